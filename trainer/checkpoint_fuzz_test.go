package trainer_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// checkpointBytes encodes the state of a fresh resnet9 of the given sizes
// under prefix, with edit applied to its tensors.
func checkpointBytes(tb testing.TB, in, classes, width int, prefix string, meta map[string]string, edit func([]safetensors.Tensor) []safetensors.Tensor) []byte {
	tb.Helper()
	m, err := graph.NewResNet9(ops.NewCPU(), in, classes, width, 0)
	if err != nil {
		tb.Fatal(err)
	}
	ts, err := statedict.Tensors(m, prefix)
	if err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		ts = edit(ts)
	}
	data, err := safetensors.Encode(ts, meta)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// replace returns an edit that swaps the tensor named t.Name for t.
func replace(t safetensors.Tensor) func([]safetensors.Tensor) []safetensors.Tensor {
	return func(ts []safetensors.Tensor) []safetensors.Tensor {
		for i := range ts {
			if ts[i].Name == t.Name {
				ts[i] = t
			}
		}
		return ts
	}
}

// FuzzCheckpoint drives untrusted bytes down the whole checkpoint-to-model
// path: safetensors parsing, the sizes and the check of every entry
// against the architecture (trainer.ParseCheckpoint), the model built on
// the CPU backend, and the load. It must never panic, and it must never
// build a model larger than the file: whatever is accepted has sizes
// within graph's bounds and F32 parameters of at most len(data) bytes,
// and either loads to exactly the file's values or is refused for a value
// (non-finite, negative counter), leaving nothing half done.
//
// The seeds are small valid checkpoints, the crafted checkpoint of issue
// 13 (0.0.weight [100000,1,3,3], which once ended the process out of
// memory), a resume checkpoint, and files refused for their values.
func FuzzCheckpoint(f *testing.F) {
	f.Add(checkpointBytes(f, 1, 2, 1, "", nil, nil))
	f.Add(checkpointBytes(f, 3, 10, 2, "", map[string]string{"note": "seed"}, nil))
	f.Add(checkpointBytes(f, 1, 10, 4, "", nil, replace(safetensors.F32("0.0.weight", []int{100000, 1, 3, 3}, make([]float32, 900000)))))
	f.Add(checkpointBytes(f, 1, 2, 1, "", nil, replace(safetensors.F32("6.3.weight", []int{2, 80}, make([]float32, 160)))))
	f.Add(checkpointBytes(f, 1, 2, 1, "", nil, replace(safetensors.F32("6.3.bias", []int{2}, []float32{0, float32(math.NaN())}))))
	f.Add(checkpointBytes(f, 1, 2, 1, "", nil, replace(safetensors.I64("0.1.num_batches_tracked", []int{}, []int64{-1}))))
	f.Add(checkpointBytes(f, 1, 2, 1, "model/", map[string]string{"wgtrain_resume": "{}"}, nil))
	cpu := ops.NewCPU()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := trainer.ParseCheckpoint(data, "fuzz")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the source", err)
			}
			return
		}
		spec, err := graph.ResNet9State(c.InChannels, c.NumClasses, c.Width)
		if err != nil {
			t.Fatalf("accepted sizes (%d, %d, %d) out of bounds: %v", c.InChannels, c.NumClasses, c.Width, err)
		}
		bytesNeeded := 0
		for _, e := range spec {
			bytesNeeded += 4 * e.Shape.Numel()
		}
		if bytesNeeded > len(data) {
			t.Fatalf("a %d-byte file would build a model of %d bytes", len(data), bytesNeeded)
		}
		m, err := c.NewModel(cpu, 0)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "non-finite") && !strings.Contains(msg, "is negative") {
				t.Fatalf("an accepted checkpoint failed to build or load: %v", err)
			}
			return
		}
		file, err := safetensors.Parse(data, "again")
		if err != nil {
			t.Fatal(err)
		}
		got, err := statedict.Tensors(m, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(file.Tensors) {
			t.Fatalf("the model has %d entries, the file %d", len(got), len(file.Tensors))
		}
		for _, g := range got {
			w, ok := file.Get(g.Name)
			if !ok || !bytes.Equal(g.Data, w.Data) {
				t.Fatalf("%s: the loaded model differs from the file", g.Name)
			}
		}
	})
}

// TestCheckpointBoundsAgree: every class count a checkpoint may have can
// be evaluated (evalkit's accumulators count up to evalkit.MaxClasses).
func TestCheckpointBoundsAgree(t *testing.T) {
	if graph.MaxResNet9Classes > evalkit.MaxClasses {
		t.Errorf("a checkpoint may have %d classes, evaluation counts at most %d", graph.MaxResNet9Classes, evalkit.MaxClasses)
	}
}
