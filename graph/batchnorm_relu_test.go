package graph_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// unfused is the CPU backend without its fused operations: embedding the
// interface hides ops.BatchNormReLUBackend.
type unfused struct{ ops.Backend }

// countingFused is the CPU backend counting its fused batch norm + ReLU
// calls (with or without the max pooling after them).
type countingFused struct {
	*ops.CPU
	train, eval, backward int
}

func (b *countingFused) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	b.train++
	return b.CPU.BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

func (b *countingFused) BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	b.eval++
	return b.CPU.BatchNormReLUEval(y, x, gamma, beta, runMean, runVar, s)
}

func (b *countingFused) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	b.backward++
	return b.CPU.BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
}

func (b *countingFused) BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	b.train++
	return b.CPU.BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar, s, k)
}

func (b *countingFused) BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	b.eval++
	return b.CPU.BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar, s, k)
}

func (b *countingFused) BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *ops.Tensor, k int) error {
	b.backward++
	return b.CPU.BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma, k)
}

// TestFusedBNReLUMatchesUnfused checks that resnet9 on a backend with the
// fused batch norm + ReLU uses it for each of its 8 pairs, forward and
// backward, and computes bit for bit what the unfused modules compute:
// logits, gradients, running statistics, and evaluation logits.
func TestFusedBNReLUMatchesUnfused(t *testing.T) {
	cpu := ops.NewCPU()
	fb := &countingFused{CPU: cpu}
	ub := unfused{cpu}
	fm := newModel(t, fb, 2, 3, 4, 0)
	um := newModel(t, ub, 2, 3, 4, 0)
	for i, n := range []int{4, 3} {
		fc, uc := graph.NewContext(fb, true), graph.NewContext(ub, true)
		gotLogits, gotGrads := pass(t, fb, fm, fc, n, uint64(i))
		wantLogits, wantGrads := pass(t, ub, um, uc, n, uint64(i))
		fc.Release()
		uc.Release()
		if d := cmp.Diff(wantLogits, gotLogits); d != "" {
			t.Fatalf("pass %d: fused logits differ (-unfused +fused):\n%s", i, d)
		}
		if d := cmp.Diff(wantGrads, gotGrads); d != "" {
			t.Fatalf("pass %d: fused gradients differ (-unfused +fused):\n%s", i, d)
		}
	}
	if fb.train != 16 || fb.backward != 16 {
		t.Errorf("two passes made %d fused forward and %d fused backward calls, want 16 and 16", fb.train, fb.backward)
	}
	fs, us := fm.Root.State(nil), um.Root.State(nil)
	for i := range fs {
		if fs[i].Count != nil {
			if *fs[i].Count != *us[i].Count {
				t.Errorf("%s: %d fused, %d unfused", fs[i].Name, *fs[i].Count, *us[i].Count)
			}
			continue
		}
		got, _ := cpu.Download(fs[i].Tensor)
		want, _ := cpu.Download(us[i].Tensor)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s differs after training (-unfused +fused):\n%s", fs[i].Name, d)
		}
	}
	x, _ := cpu.Alloc(ops.F32, ops.Shape{2, 2, 32, 32})
	defer cpu.Free(x)
	xs := make([]float32, x.Numel())
	for i := range xs {
		xs[i] = float32(i%7) - 3
	}
	if err := cpu.Upload(x, xs); err != nil {
		t.Fatal(err)
	}
	eval := func(b ops.Backend, m *graph.Model) []float32 {
		c := graph.NewContext(b, false)
		defer c.Release()
		out, err := m.Forward(c, x)
		if err != nil {
			t.Fatal(err)
		}
		v, err := b.Download(out.Value)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if d := cmp.Diff(eval(ub, um), eval(fb, fm)); d != "" {
		t.Errorf("fused evaluation logits differ (-unfused +fused):\n%s", d)
	}
	if fb.eval != 8 {
		t.Errorf("an evaluation pass made %d fused calls, want 8", fb.eval)
	}
}
