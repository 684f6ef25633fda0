package graph_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

func newModel(t *testing.T, b ops.Backend, in, classes, width int, p float32) *graph.Model {
	t.Helper()
	m, err := graph.NewResNet9(b, in, classes, width, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestResNet9StructureMatchesPyTorch(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 3, 10, 16, 0.2)
	if got := m.NumTrainable(); got != 413514 {
		t.Errorf("resnet9(3, 10, 16) has %d trainable parameters, PyTorch's has 413,514", got)
	}
	state := m.State()
	if len(state) != 58 {
		t.Errorf("state_dict has %d entries, PyTorch's has 58", len(state))
	}
	// PyTorch's state_dict order for the first block and the head.
	want := []string{"0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias", "0.1.running_mean", "0.1.running_var", "0.1.num_batches_tracked", "1.0.weight"}
	for i, w := range want {
		if state[i].Name != w {
			t.Errorf("state entry %d is %s, want %s", i, state[i].Name, w)
		}
	}
	names := map[string]bool{}
	for _, e := range state {
		names[e.Name] = true
	}
	for _, n := range []string{"2.block.0.0.weight", "2.block.1.1.running_var", "5.block.1.1.num_batches_tracked", "6.3.weight", "6.3.bias"} {
		if !names[n] {
			t.Errorf("state_dict lacks %s", n)
		}
	}
	if last := state[len(state)-1].Name; last != "6.3.bias" {
		t.Errorf("last entry is %s, want 6.3.bias", last)
	}
}

// TestResNet9SizesReadsTheShapes reads NewResNet9's arguments back from
// its state_dict's shapes, and refuses a state_dict without its entries.
func TestResNet9SizesReadsTheShapes(t *testing.T) {
	b := ops.NewCPU()
	m, err := graph.NewResNet9(b, 1, 7, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string][]int{}
	for _, e := range m.State() {
		if e.Tensor != nil {
			shapes[e.Name] = e.Tensor.Shape()
		}
	}
	if in, classes, width, err := graph.ResNet9Sizes(shapes); in != 1 || classes != 7 || width != 4 || err != nil {
		t.Errorf("ResNet9Sizes = %d, %d, %d, %v; want 1, 7, 4", in, classes, width, err)
	}
	delete(shapes, "6.3.weight")
	if _, _, _, err := graph.ResNet9Sizes(shapes); err == nil || !strings.Contains(err.Error(), "not a resnet9 state_dict") {
		t.Errorf("without 6.3.weight: err = %v", err)
	}
}

func TestInitBounds(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 3, 10, 4, 0)
	for _, p := range m.Params() {
		v, _ := b.Download(p.Value)
		s := p.Value.Shape()
		if strings.HasSuffix(p.Name, "running_var") {
			for _, x := range v {
				if x != 1 {
					t.Fatalf("%s = %g, want 1", p.Name, x)
				}
			}
		}
		if len(s) != 4 && len(s) != 2 {
			continue
		}
		// Conv and linear weights: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
		fanIn := s[1]
		if len(s) == 4 {
			fanIn *= s[2] * s[3]
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		lo, hi := 0.0, 0.0
		for _, x := range v {
			lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
		}
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Errorf("%s spans [%g, %g], want inside and spread over ±%g", p.Name, lo, hi, bound)
		}
	}
}

// lossOf runs a training-mode forward and returns the mean cross-entropy
// of the logits computed on the host in float64, so that the finite
// differences see only the float32 rounding of each logit, not that of
// the loss.
func lossOf(t *testing.T, b ops.Backend, m *graph.Model, x *ops.Tensor, labels []int32) float64 {
	t.Helper()
	c := graph.NewContext(b, true)
	defer c.Release()
	c.Seed, c.Step = 7, 3
	logits, err := m.Forward(c, x)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := b.Download(logits.Value)
	k := len(v) / len(labels)
	var total float64
	for i, y := range labels {
		row := v[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for _, z := range row {
			mx = math.Max(mx, float64(z))
		}
		var s float64
		for _, z := range row {
			s += math.Exp(float64(z) - mx)
		}
		total += mx + math.Log(s) - float64(row[y])
	}
	return total / float64(len(labels))
}

// TestModelGradientFiniteDifferences checks the whole graph's backward
// (residual sums, flatten, dropout, every layer) against central finite
// differences of the loss: per element on a sample of every parameter
// tensor, and along one random direction over all parameters at once.
func TestModelGradientFiniteDifferences(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 2, 3, 4, 0.2)
	rng := rand.New(rand.NewPCG(3, 4))
	x, _ := b.Alloc(ops.F32, ops.Shape{3, 2, 32, 32})
	xs := make([]float32, x.Numel())
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	b.Upload(x, xs)
	labels := []int32{0, 2, 1}
	y, _ := b.Alloc(ops.I32, ops.Shape{3})
	b.UploadInt(y, labels)

	c := graph.NewContext(b, true)
	c.Seed, c.Step = 7, 3
	logits, err := m.Forward(c, x)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := graph.CrossEntropy{}.Loss(c, logits, c.Input(y))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Backward(loss); err != nil {
		t.Fatal(err)
	}
	c.Release()

	const eps = 3e-4 // the net is small and sharply curved: 1e-3 is already too far
	check := func(what string, fd, g float64) {
		t.Helper()
		if math.Abs(fd-g) > 5e-2*math.Abs(g)+3e-3 {
			t.Errorf("%s: finite difference %.6g, backward %.6g", what, fd, g)
		}
	}
	params := m.Trainable()
	grads := map[*graph.Param][]float32{}
	for _, p := range params {
		grads[p], _ = b.Download(p.Grad)
	}
	for _, p := range params {
		v, _ := b.Download(p.Value)
		for k := 0; k < 3; k++ {
			i := rng.IntN(len(v))
			orig := v[i]
			v[i] = orig + eps
			b.Upload(p.Value, v)
			lp := lossOf(t, b, m, x, labels)
			v[i] = orig - eps
			b.Upload(p.Value, v)
			lm := lossOf(t, b, m, x, labels)
			v[i] = orig
			b.Upload(p.Value, v)
			check(p.Name, (lp-lm)/(2*eps), float64(grads[p][i]))
		}
	}
	// One random direction over all parameters.
	dirs := map[*graph.Param][]float32{}
	orig := map[*graph.Param][]float32{}
	var want float64
	for _, p := range params {
		v, _ := b.Download(p.Value)
		orig[p] = v
		d := make([]float32, len(v))
		for i := range d {
			d[i] = float32(rng.NormFloat64())
			want += float64(d[i]) * float64(grads[p][i])
		}
		dirs[p] = d
	}
	shift := func(s float32) {
		for _, p := range params {
			v := make([]float32, len(orig[p]))
			for i := range v {
				v[i] = orig[p][i] + s*dirs[p][i]
			}
			b.Upload(p.Value, v)
		}
	}
	// Scale the direction to unit length: every parameter moves a little,
	// so the whole step stays within the region where the loss is smooth.
	var norm float64
	for _, p := range params {
		for _, d := range dirs[p] {
			norm += float64(d) * float64(d)
		}
	}
	norm = math.Sqrt(norm)
	want /= norm
	for _, p := range params {
		for i := range dirs[p] {
			dirs[p][i] /= float32(norm)
		}
	}
	const deps = 3e-4
	shift(deps)
	lp := lossOf(t, b, m, x, labels)
	shift(-deps)
	lm := lossOf(t, b, m, x, labels)
	shift(0)
	check("directional derivative over all parameters", (lp-lm)/(2*deps), want)
}

func TestForwardErrors(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 3, 10, 2, 0)
	bad, _ := b.Alloc(ops.F32, ops.Shape{2, 1, 32, 32})
	c := graph.NewContext(b, false)
	if _, err := m.Forward(c, bad); err == nil || !strings.Contains(err.Error(), "want f32[N,3,32,32]") {
		t.Errorf("wrong channel count: err = %v", err)
	}
	x, _ := b.Alloc(ops.F32, ops.Shape{2, 3, 32, 32})
	logits, err := m.Forward(c, x)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := b.Alloc(ops.I32, ops.Shape{2})
	b.UploadInt(y, []int32{0, 10})
	_, err = graph.CrossEntropy{}.Loss(c, logits, c.Input(y))
	var oe *ops.Error
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "label 10 of row 1") {
		t.Errorf("label out of range: err = %v", err)
	}
	short, _ := b.Alloc(ops.I32, ops.Shape{3})
	if _, err := (graph.SigmoidFocal{Spec: ops.DefaultFocal}).Loss(c, logits, c.Input(short)); err == nil {
		t.Error("3 labels for 2 rows: no error")
	}
	if err := c.Backward(logits); err == nil {
		t.Error("backward in eval mode: no error")
	}
	if _, err := graph.NewResNet9(b, 3, 0, 16, 0.2); err == nil {
		t.Error("zero classes: no error")
	}
	if _, err := graph.NewResNet9(b, 3, 10, 16, 1); err == nil {
		t.Error("dropout 1: no error")
	}
}

// TestEvalIsDeterministicAndDropoutOff checks that evaluation ignores the
// dropout seed and leaves the running statistics alone.
func TestEvalIsDeterministicAndDropoutOff(t *testing.T) {
	b := ops.NewCPU()
	m := newModel(t, b, 3, 4, 2, 0.5)
	x, _ := b.Alloc(ops.F32, ops.Shape{2, 3, 32, 32})
	xs := make([]float32, x.Numel())
	for i := range xs {
		xs[i] = float32(i%7) - 3
	}
	b.Upload(x, xs)
	run := func(seed uint32) []float32 {
		c := graph.NewContext(b, false)
		defer c.Release()
		c.Seed = seed
		l, err := m.Forward(c, x)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := b.Download(l.Value)
		return v
	}
	a, c := run(1), run(2)
	for i := range a {
		if a[i] != c[i] {
			t.Fatalf("eval logits depend on the dropout seed: %v vs %v", a, c)
		}
	}
	for _, e := range m.State() {
		if e.Count != nil && *e.Count != 0 {
			t.Fatalf("%s = %d after evaluation only", e.Name, *e.Count)
		}
	}
}
