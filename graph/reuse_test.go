package graph_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// pass runs one training pass (forward, 0.5·CE + 0.5·focal, backward) of m
// on a batch of n images drawn from seed, in c, and returns the logits and
// every parameter's gradient.
func pass(t testing.TB, b ops.Backend, m *graph.Model, c *graph.Context, n int, seed uint64) (logits []float32, grads [][]float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	xs := make([]float32, n*2*32*32)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(rng.IntN(3))
	}
	x, err := c.Alloc(ops.F32, ops.Shape{n, 2, 32, 32})
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.Alloc(ops.I32, ops.Shape{n})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upload(x, xs); err != nil {
		t.Fatal(err)
	}
	if err := b.UploadInt(y, labels); err != nil {
		t.Fatal(err)
	}
	c.Seed, c.Step = 5, uint32(seed)
	out, err := m.Forward(c, x)
	if err != nil {
		t.Fatal(err)
	}
	ce, err := graph.CrossEntropy{}.Loss(c, out, c.Input(y))
	if err != nil {
		t.Fatal(err)
	}
	focal, err := graph.SigmoidFocal{Spec: ops.DefaultFocal}.Loss(c, out, c.Input(y))
	if err != nil {
		t.Fatal(err)
	}
	loss, err := graph.WeightedSum(c, []*graph.Var{ce, focal}, []float32{0.5, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Backward(loss); err != nil {
		t.Fatal(err)
	}
	if logits, err = b.Download(out.Value); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Trainable() {
		g, err := b.Download(p.Grad)
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, g)
	}
	return logits, grads
}

// TestContextReuseMatchesFresh checks that passes in one context, reset
// between them, compute exactly what passes in fresh contexts compute,
// including when the batch size changes and changes back (the runner's
// last, smaller batch of an epoch).
func TestContextReuseMatchesFresh(t *testing.T) {
	b := ops.NewCPU()
	fresh := newModel(t, b, 2, 3, 4, 0.2)
	reused := newModel(t, b, 2, 3, 4, 0.2)
	c := graph.NewContext(b, true)
	defer c.Release()
	for i, n := range []int{4, 4, 3, 4} {
		f := graph.NewContext(b, true)
		wantLogits, wantGrads := pass(t, b, fresh, f, n, uint64(i))
		f.Release()
		c.Reset()
		gotLogits, gotGrads := pass(t, b, reused, c, n, uint64(i))
		if d := cmp.Diff(wantLogits, gotLogits); d != "" {
			t.Fatalf("pass %d (batch %d): logits differ from a fresh context's (-fresh +reused):\n%s", i, n, d)
		}
		if d := cmp.Diff(wantGrads, gotGrads); d != "" {
			t.Fatalf("pass %d (batch %d): gradients differ from a fresh context's (-fresh +reused):\n%s", i, n, d)
		}
	}
	// Backward on a pass that is done, here with a nil loss, is an error,
	// not a panic.
	if err := c.Backward(nil); err == nil {
		t.Error("Backward(nil) succeeded")
	}
}

// TestContextReuseAllocatesNothing checks that once a context has run a
// pass of some shape, further training passes of that shape (forward,
// losses, backward) make no heap allocation on the CPU backend.
func TestContextReuseAllocatesNothing(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 3, 10, 4, 0.2)
	x, _ := b.Alloc(ops.F32, ops.Shape{8, 3, 32, 32})
	y, _ := b.Alloc(ops.I32, ops.Shape{8})
	c := graph.NewContext(b, true)
	defer c.Release()
	parts := make([]*graph.Var, 2)
	weights := []float32{0.5, 0.5}
	run := func() {
		c.Reset()
		out, err := m.Forward(c, x)
		if err != nil {
			t.Fatal(err)
		}
		labels := c.Input(y)
		if parts[0], err = (graph.CrossEntropy{}).Loss(c, out, labels); err != nil {
			t.Fatal(err)
		}
		if parts[1], err = (graph.SigmoidFocal{Spec: ops.DefaultFocal}).Loss(c, out, labels); err != nil {
			t.Fatal(err)
		}
		loss, err := graph.WeightedSum(c, parts, weights)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Backward(loss); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(3, run); n != 0 {
		t.Errorf("a training pass in a reused context makes %v allocations, want 0", n)
	}
	eval := graph.NewContext(b, false)
	defer eval.Release()
	runEval := func() {
		eval.Reset()
		if _, err := m.Forward(eval, x); err != nil {
			t.Fatal(err)
		}
	}
	runEval()
	if n := testing.AllocsPerRun(3, runEval); n != 0 {
		t.Errorf("an evaluation pass in a reused context makes %v allocations, want 0", n)
	}
}
