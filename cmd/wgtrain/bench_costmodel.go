package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// wgtrain bench --profile --cost-model: a roofline prediction of the
// training step's time on named GPU classes from the profile's counts
// (notes/gpu-cost-model.md explains it and gives its tables).

// gpuClass is a GPU's fp32 peak and memory bandwidth.
type gpuClass struct {
	Name   string
	FLOPS  float64 // fp32 FLOP/s
	BytesS float64 // memory bytes/s
}

// gpuClasses are the classes the model predicts for, by their published
// fp32 peak and memory bandwidth.
var gpuClasses = []gpuClass{
	{"Apple M1-class (2.6 TFLOP/s, 68 GB/s)", 2.6e12, 68e9},
	{"Intel Iris Xe-class (2 TFLOP/s, 68 GB/s)", 2.0e12, 68e9},
	{"laptop RTX 3050-class (7 TFLOP/s, 190 GB/s)", 7e12, 190e9},
	{"NVIDIA H200 (67 TFLOP/s, 4.8 TB/s)", 67e12, 4.8e12},
}

// costRow is one GPU class's predicted training step.
type costRow struct {
	GPU        string       `json:"gpu"`
	DispatchS  float64      `json:"dispatch_s"`
	StepS      float64      `json:"step_s"`
	ImagesPerS float64      `json:"images_per_s"`
	ComputeS   float64      `json:"compute_bound_s"`
	MemoryS    float64      `json:"memory_bound_s"`
	OverheadS  float64      `json:"dispatch_overhead_s"`
	Families   []costFamily `json:"families"`
}

// costFamily is one family's predicted time: max(FLOPs/peak,
// bytes/bandwidth) + dispatches x the fixed cost of a dispatch, and
// which of the three terms is largest.
type costFamily struct {
	Family string  `json:"family"`
	S      float64 `json:"s"`
	Bound  string  `json:"bound"` // "compute", "memory" or "dispatch"
}

// costModel predicts the step of t (a training table of batch images) on
// each class, with dispatchS seconds of fixed cost per dispatch.
func costModel(t *profileTable, batch int, dispatchS float64) []costRow {
	var out []costRow
	for _, c := range gpuClasses {
		r := costRow{GPU: c.Name, DispatchS: dispatchS}
		for _, f := range t.Families {
			compute := f.FLOPs / c.FLOPS
			memory := (f.BytesRead + f.BytesWritten) / c.BytesS
			n := f.Commands
			if f.Family == "upload" {
				n = 0 // queue writes, not dispatches
			}
			overhead := n * dispatchS
			cf := costFamily{Family: f.Family, S: max(compute, memory) + overhead}
			switch {
			case overhead >= max(compute, memory):
				cf.Bound = "dispatch"
				r.OverheadS += cf.S
			case compute >= memory:
				cf.Bound = "compute"
				r.ComputeS += cf.S
			default:
				cf.Bound = "memory"
				r.MemoryS += cf.S
			}
			r.StepS += cf.S
			r.Families = append(r.Families, cf)
		}
		if r.StepS > 0 {
			r.ImagesPerS = float64(batch) / r.StepS
		}
		slices.SortStableFunc(r.Families, func(a, b costFamily) int {
			switch {
			case a.S > b.S:
				return -1
			case a.S < b.S:
				return 1
			}
			return 0
		})
		out = append(out, r)
	}
	return out
}

// printCostModel writes the predictions, each with its three costliest
// families.
func printCostModel(w io.Writer, rows []costRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\ncost model of the training step (per family max(FLOPs/peak, bytes/bandwidth) + dispatches x %.1f us):\n", rows[0].DispatchS*1e6)
	fmt.Fprintf(w, "%-45s %9s %9s %26s  %s\n", "GPU class", "step ms", "images/s", "ms bound: compute/memory/dispatch", "costliest families")
	for _, r := range rows {
		var top []string
		for _, f := range r.Families[:min(3, len(r.Families))] {
			top = append(top, fmt.Sprintf("%s %.3f ms (%s)", f.Family, f.S*1e3, f.Bound))
		}
		fmt.Fprintf(w, "%-45s %9.3f %9.0f %8.3f/%8.3f/%8.3f  %s\n", r.GPU, r.StepS*1e3, r.ImagesPerS, r.ComputeS*1e3, r.MemoryS*1e3, r.OverheadS*1e3, strings.Join(top, ", "))
	}
}
