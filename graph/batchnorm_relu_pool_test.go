package graph_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// bnReLUOnly is the CPU backend with its fused batch norm + ReLU but
// without the fused max pooling: embedding the interface hides
// ops.BatchNormReLUPoolBackend, and the methods below bring back
// ops.BatchNormReLUBackend.
type bnReLUOnly struct {
	ops.Backend
	cpu *ops.CPU
}

func (b bnReLUOnly) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return b.cpu.BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

func (b bnReLUOnly) BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return b.cpu.BatchNormReLUEval(y, x, gamma, beta, runMean, runVar, s)
}

func (b bnReLUOnly) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	return b.cpu.BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
}

// countingPool is the CPU backend counting its fused batch norm + ReLU +
// max pooling calls.
type countingPool struct {
	*ops.CPU
	train, eval, backward int
}

func (b *countingPool) BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	b.train++
	return b.CPU.BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar, s, k)
}

func (b *countingPool) BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	b.eval++
	return b.CPU.BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar, s, k)
}

func (b *countingPool) BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *ops.Tensor, k int) error {
	b.backward++
	return b.CPU.BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma, k)
}

// TestFusedBNReLUPoolMatchesUnfused checks that resnet9 on a backend with
// the fused batch norm + ReLU + max pooling uses it for each of its 3
// triples (conv blocks 1, 2 and 3), forward and backward, and computes
// bit for bit what batch norm + ReLU fused and then the max pooling
// compute: logits, gradients, running statistics, and evaluation logits.
func TestFusedBNReLUPoolMatchesUnfused(t *testing.T) {
	cpu := ops.NewCPU()
	fb := &countingPool{CPU: cpu}
	ub := bnReLUOnly{Backend: cpu, cpu: cpu}
	if _, ok := ops.Backend(ub).(ops.BatchNormReLUPoolBackend); ok {
		t.Fatal("the reference backend fuses the max pooling")
	}
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
	if fb.train != 6 || fb.backward != 6 {
		t.Errorf("two passes made %d fused forward and %d fused backward calls, want 6 and 6", fb.train, fb.backward)
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
	if fb.eval != 3 {
		t.Errorf("an evaluation pass made %d fused calls, want 3", fb.eval)
	}
}
