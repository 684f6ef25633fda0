package graph_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// copyCounting is the CPU backend counting its Copy calls.
type copyCounting struct {
	*ops.CPU
	copies int
}

func (b *copyCounting) Copy(dst, src *ops.Tensor) error {
	b.copies++
	return b.CPU.Copy(dst, src)
}

// TestGradientsPassedWithoutCopies checks that resnet9's residual sums
// and its flatten hand their gradient on without a copy (their
// correctness is TestModelGradientFiniteDifferences's and the PyTorch
// goldens'; TestContextReuseMatchesFresh covers a reused context).
func TestGradientsPassedWithoutCopies(t *testing.T) {
	b := &copyCounting{CPU: ops.NewCPU()}
	m := newModel(t, b, 2, 3, 4, 0)
	c := graph.NewContext(b, true)
	defer c.Release()
	pass(t, b, m, c, 3, 7)
	if b.copies != 0 {
		t.Errorf("a training pass made %d copies, want 0", b.copies)
	}
}

// TestNestedResidualGradients checks residual sums nested in each
// other's blocks against central differences: the gradient a residual
// hands to both addends must stay intact while a nested one sums into
// its own input's gradient.
func TestNestedResidualGradients(t *testing.T) {
	b := ops.NewCPU()
	rng := rand.New(rand.NewPCG(1, 2))
	lin := func(name string, in, out int) *graph.Linear {
		l, err := graph.NewLinear(b, name, in, out)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*graph.Param{l.Weight, l.Bias} {
			v := make([]float32, p.Value.Numel())
			for i := range v {
				v[i] = float32(rng.NormFloat64() * 0.5)
			}
			if err := b.Upload(p.Value, v); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	x, _ := b.Alloc(ops.F32, ops.Shape{2, 3})
	defer b.Free(x)
	lab, _ := b.Alloc(ops.I32, ops.Shape{2})
	defer b.Free(lab)
	if err := b.Upload(x, []float32{0.3, -1, 0.5, 1.2, 0.1, -0.7}); err != nil {
		t.Fatal(err)
	}
	if err := b.UploadInt(lab, []int32{0, 2}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		block func() graph.Module
	}{
		{"residual of a residual", func() graph.Module {
			return &graph.Residual{Name: "r", Block: &graph.Residual{Name: "ri", Block: lin("l1", 4, 4)}}
		}},
		{"residual of a block ending in a residual", func() graph.Module {
			return &graph.Residual{Name: "r", Block: &graph.Sequential{Name: "s", Modules: []graph.Module{
				lin("l1", 4, 4), &graph.Residual{Name: "ri", Block: lin("l2", 4, 4)},
			}}}
		}},
	} {
		m := &graph.Sequential{Name: "m", Modules: []graph.Module{lin("l0", 3, 4), tc.block(), lin("l3", 4, 3)}}
		loss := func(train bool) float64 {
			c := graph.NewContext(b, train)
			defer c.Release()
			y, err := m.Forward(c, c.Input(x))
			if err != nil {
				t.Fatal(err)
			}
			l, err := graph.CrossEntropy{}.Loss(c, y, c.Input(lab))
			if err != nil {
				t.Fatal(err)
			}
			if train {
				if err := c.Backward(l); err != nil {
					t.Fatal(err)
				}
			}
			v, _ := b.Download(l.Value)
			return float64(v[0])
		}
		for _, p := range m.Params(nil) {
			loss(true)
			g, _ := b.Download(p.Grad)
			w, _ := b.Download(p.Value)
			for k := range min(len(w), 4) {
				const eps = 1e-2
				w2 := slices.Clone(w)
				w2[k] = w[k] + eps
				b.Upload(p.Value, w2)
				up := loss(false)
				w2[k] = w[k] - eps
				b.Upload(p.Value, w2)
				down := loss(false)
				b.Upload(p.Value, w)
				fd := (up - down) / (2 * eps)
				if math.Abs(float64(g[k])-fd) > 1e-3*max(1, math.Abs(fd)) {
					t.Errorf("%s: %s[%d]: backward %.5f, central difference %.5f", tc.name, p.Name, k, g[k], fd)
				}
			}
		}
	}
}
