package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/pflag"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// wgtrain bench --profile: the kernel-by-kernel profile of training and
// evaluation steps (docs/SPEC.md §8.6 describes its JSON).

// benchProfileFlags are bench's profiling flags.
type benchProfileFlags struct {
	on, countOnly, costModel bool
	dispatchUS               float64
	fs                       *pflag.FlagSet
}

func addBenchProfileFlags(fs *pflag.FlagSet) *benchProfileFlags {
	f := &benchProfileFlags{fs: fs}
	fs.BoolVar(&f.on, "profile", false, "after the timed steps, profile --steps training steps and as many evaluation batches kernel family by kernel family (WebGPU only; times where the adapter has TIMESTAMP_QUERY, each dispatch then in a compute pass of its own)")
	fs.BoolVar(&f.countOnly, "count-only", false, "with --profile: record the steps without running them, as a hardware adapter records them (no per-submission budget), and report counts without times or images/s; fast at any batch size")
	fs.BoolVar(&f.costModel, "cost-model", false, "with --profile: predict the training step's time on named GPU classes from the counted FLOPs, bytes and dispatches (notes/gpu-cost-model.md)")
	fs.Float64Var(&f.dispatchUS, "dispatch-us", 5, "the cost model's fixed cost of one dispatch, in microseconds")
	return f
}

func (f *benchProfileFlags) check() error {
	switch {
	case (f.countOnly || f.costModel) && !f.on:
		return usagef("--count-only and --cost-model need --profile")
	case f.fs.Changed("dispatch-us") && !f.costModel:
		return usagef("--dispatch-us needs --cost-model")
	case f.dispatchUS < 0 || f.dispatchUS > 1e6:
		return usagef("--dispatch-us %g: want 0..1e6", f.dispatchUS)
	}
	return nil
}

// checkBackend refuses --profile on a backend without kernels.
func (f *benchProfileFlags) checkBackend(b ops.Backend) error {
	if _, ok := b.(*gpu.Backend); f.on && !ok {
		return usagef("--profile: the %s backend has no kernels to profile (use --backend webgpu)", b.Name())
	}
	return nil
}

// benchProfile is the "profile" object of bench's JSON.
type benchProfile struct {
	Timestamps      bool          `json:"timestamps"`
	NoTimestampsWhy string        `json:"no_timestamps_why,omitempty"`
	CountOnly       bool          `json:"count_only"`
	TickNS          float64       `json:"tick_ns"`
	Train           *profileTable `json:"train"`
	Eval            *profileTable `json:"eval"`
	CostModel       []costRow     `json:"cost_model,omitempty"`
}

// profileTable summarizes the profiled steps of one kind, per step
// (means over the steps). Times are seconds, 0 without timestamps.
type profileTable struct {
	Steps        int         `json:"steps"`
	Dispatches   float64     `json:"dispatches"`
	Copies       float64     `json:"readback_copies"`
	Uploads      float64     `json:"uploads"`
	FLOPs        float64     `json:"flops"`
	BytesRead    float64     `json:"bytes_read"`
	BytesWritten float64     `json:"bytes_written"`
	GPUBusyS     float64     `json:"gpu_busy_s"`
	GPUSpanS     float64     `json:"gpu_span_s"`
	GapS         float64     `json:"gpu_gaps_in_step_s"`
	IdleS        float64     `json:"gpu_idle_between_steps_s"`
	PeriodS      float64     `json:"gpu_period_s"`
	WallS        float64     `json:"wall_s"`
	RecordS      float64     `json:"host_record_s"`
	Families     []familyRow `json:"families"`
}

// familyRow is one kernel family's part of a step.
type familyRow struct {
	Family       string  `json:"family"`
	Commands     float64 `json:"commands"`
	GPUS         float64 `json:"gpu_s"`
	Share        float64 `json:"share"`
	FLOPs        float64 `json:"flops"`
	BytesRead    float64 `json:"bytes_read"`
	BytesWritten float64 `json:"bytes_written"`
	GFLOPS       float64 `json:"gflop_per_s"`
	GBPS         float64 `json:"gb_per_s"`
}

// stepTimes are the host's measurements of a profiled loop.
type stepTimes struct {
	wall, record time.Duration
	n            int
}

// profiledLoop runs n steps as bench's timeIt does (step i+1 started
// before step i is waited for), marking each step with label.
func profiledLoop(g *gpu.Backend, label string, n int, start func(i int) (*trainer.PendingStep, error)) (stepTimes, error) {
	st := stepTimes{n: n}
	t0 := time.Now()
	var prev *trainer.PendingStep
	for i := 0; i < n; i++ {
		g.ProfileMark(label)
		r0 := time.Now()
		p, err := start(i)
		if err != nil {
			return st, err
		}
		st.record += time.Since(r0)
		if prev != nil {
			if _, err := prev.Wait(); err != nil {
				return st, err
			}
		}
		prev = p
	}
	if _, err := prev.Wait(); err != nil {
		return st, err
	}
	st.wall = time.Since(t0)
	return st, nil
}

// runBenchProfile profiles training and evaluation steps of s on batch bt
// (after bench's own timed steps, or, count-only, in their place).
func runBenchProfile(f *benchProfileFlags, b ops.Backend, s *trainer.Stepper, bt trainer.Batch, steps int) (*benchProfile, error) {
	g, ok := b.(*gpu.Backend)
	if !ok {
		return nil, f.checkBackend(b)
	}
	train := func(i int) (*trainer.PendingStep, error) { return s.Start(bt, 100+i) }
	eval := func(int) (*trainer.PendingStep, error) { return benchEvalStep(s, bt) }
	var ts, es stepTimes
	var err error
	run := func(o gpu.ProfileOptions, body func() error) (*gpu.Profile, error) {
		if err := g.StartProfile(o); err != nil {
			return nil, err
		}
		if err := body(); err != nil {
			g.StopProfile()
			return nil, err
		}
		return g.StopProfile()
	}
	var tp, ep *gpu.Profile
	if f.countOnly {
		// Two warm-up steps and one warm-up evaluation batch, as bench
		// times, recorded but left out of the tables.
		tp, err = run(gpu.ProfileOptions{CountOnly: true}, func() error {
			if _, err := profiledLoop(g, "warm-up", 2, train); err != nil {
				return err
			}
			if ts, err = profiledLoop(g, "train", steps, train); err != nil {
				return err
			}
			if _, err := profiledLoop(g, "warm-up", 1, eval); err != nil {
				return err
			}
			es, err = profiledLoop(g, "eval", steps, eval)
			return err
		})
		ep = tp
	} else {
		// A training step after the evaluation batches switches the
		// stepper back to training mode, unprofiled.
		if _, err := s.Train(bt, 99); err != nil {
			return nil, err
		}
		if tp, err = run(gpu.ProfileOptions{}, func() error { ts, err = profiledLoop(g, "train", steps, train); return err }); err != nil {
			return nil, err
		}
		warm, err := benchEvalStep(s, bt)
		if err == nil {
			_, err = warm.Wait()
		}
		if err != nil {
			return nil, err
		}
		ep, err = run(gpu.ProfileOptions{}, func() error { es, err = profiledLoop(g, "eval", steps, eval); return err })
	}
	if err != nil {
		return nil, err
	}
	out := &benchProfile{Timestamps: tp.Timestamps, NoTimestampsWhy: tp.NoTimestampsWhy, CountOnly: tp.CountOnly, TickNS: tp.TickNS}
	out.Train = tabulate(tp, "train", ts)
	out.Eval = tabulate(ep, "eval", es)
	if f.costModel {
		out.CostModel = costModel(out.Train, bt.Shape[0], f.dispatchUS*1e-6)
	}
	return out, nil
}

// tabulate sums the commands of the steps marked label into per-step
// means by family.
func tabulate(p *gpu.Profile, label string, st stepTimes) *profileTable {
	t := &profileTable{}
	var steps []int
	for i, m := range p.Marks {
		if m == label {
			steps = append(steps, i)
		}
	}
	t.Steps = len(steps)
	if t.Steps == 0 {
		return t
	}
	n := float64(t.Steps)
	rows := map[string]*familyRow{}
	first := map[int]float64{}
	last := map[int]float64{}
	for _, c := range p.Commands {
		if !slices.Contains(steps, c.Step) {
			continue
		}
		r := rows[c.Family]
		if r == nil {
			r = &familyRow{Family: c.Family}
			rows[c.Family] = r
		}
		r.Commands++
		r.FLOPs += c.FLOPs
		r.BytesRead += float64(c.BytesRead)
		r.BytesWritten += float64(c.BytesWritten)
		switch {
		case c.Workgroups > 0:
			t.Dispatches++
		case c.Family == "upload":
			t.Uploads++
		default:
			t.Copies++
		}
		if c.Timed {
			r.GPUS += c.Seconds()
			if b, ok := first[c.Step]; !ok || c.Begin < b {
				first[c.Step] = c.Begin
			}
			last[c.Step] = max(last[c.Step], c.End)
		}
	}
	for _, f := range gpu.Families {
		r := rows[f]
		if r == nil {
			continue
		}
		r.Commands /= n
		r.FLOPs /= n
		r.BytesRead /= n
		r.BytesWritten /= n
		r.GPUS /= n
		t.GPUBusyS += r.GPUS
		t.FLOPs += r.FLOPs
		t.BytesRead += r.BytesRead
		t.BytesWritten += r.BytesWritten
		if r.GPUS > 0 {
			r.GFLOPS = r.FLOPs / r.GPUS / 1e9
			r.GBPS = (r.BytesRead + r.BytesWritten) / r.GPUS / 1e9
		}
		t.Families = append(t.Families, *r)
	}
	for i := range t.Families {
		if t.GPUBusyS > 0 {
			t.Families[i].Share = t.Families[i].GPUS / t.GPUBusyS
		}
	}
	t.Dispatches /= n
	t.Copies /= n
	t.Uploads /= n
	t.WallS = st.wall.Seconds() / float64(max(st.n, 1))
	t.RecordS = st.record.Seconds() / float64(max(st.n, 1))
	if p.Timestamps {
		var span, idle float64
		for k, s := range steps {
			span += (last[s] - first[s]) * 1e-9
			if k+1 < len(steps) {
				idle += (first[steps[k+1]] - last[s]) * 1e-9
			}
		}
		t.GPUSpanS = span / n
		t.GapS = t.GPUSpanS - t.GPUBusyS
		if len(steps) > 1 {
			t.IdleS = idle / float64(len(steps)-1)
			t.PeriodS = (first[steps[len(steps)-1]] - first[steps[0]]) * 1e-9 / float64(len(steps)-1)
		}
	}
	return t
}

// printProfile writes the profile's tables.
func printProfile(w io.Writer, p *benchProfile) {
	if p.Timestamps {
		fmt.Fprintf(w, "\nprofile (GPU timestamps around each command, each dispatch in a compute pass of its own; tick %.4g ns)\n", p.TickNS)
	} else {
		fmt.Fprintf(w, "\nprofile: counts only, no GPU times: %s\n", p.NoTimestampsWhy)
	}
	for _, k := range []struct {
		name string
		t    *profileTable
	}{{"training step", p.Train}, {"evaluation batch", p.Eval}} {
		t := k.t
		fmt.Fprintf(w, "\nper %s (mean of %d):\n", k.name, t.Steps)
		fmt.Fprintf(w, "%-21s %8s %10s %6s %10s %9s %9s %8s %7s\n", "family", "commands", "GPU ms", "share", "MFLOP", "MB read", "MB write", "GFLOP/s", "GB/s")
		for _, r := range t.Families {
			fmt.Fprintf(w, "%-21s %8.0f %10.3f %5.1f%% %10.2f %9.3f %9.3f %8.2f %7.2f\n", r.Family, r.Commands, r.GPUS*1e3, 100*r.Share,
				r.FLOPs/1e6, r.BytesRead/1e6, r.BytesWritten/1e6, r.GFLOPS, r.GBPS)
		}
		fmt.Fprintf(w, "%-21s %8.0f %10.3f %5.1f%% %10.2f %9.3f %9.3f\n", "total", t.Dispatches+t.Copies+t.Uploads, t.GPUBusyS*1e3, 100.0,
			t.FLOPs/1e6, t.BytesRead/1e6, t.BytesWritten/1e6)
		fmt.Fprintf(w, "%.0f dispatches, %.0f read-back copies, %.0f uploads; host records a step in %.3f ms; wall %.3f ms per step\n",
			t.Dispatches, t.Copies, t.Uploads, t.RecordS*1e3, t.WallS*1e3)
		if p.Timestamps {
			fmt.Fprintf(w, "GPU: busy %.3f ms, first to last command %.3f ms (%.3f ms between commands), idle %.3f ms between steps, a step every %.3f ms\n",
				t.GPUBusyS*1e3, t.GPUSpanS*1e3, t.GapS*1e3, t.IdleS*1e3, t.PeriodS*1e3)
		}
	}
	if len(p.CostModel) > 0 {
		printCostModel(w, p.CostModel)
	}
}
