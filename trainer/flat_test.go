package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// noViews hides a backend's views, so that an optimizer over it updates
// one parameter at a time.
type noViews struct{ ops.Backend }

// countingCPU counts the optimizer operations run through it.
type countingCPU struct {
	*ops.CPU
	adam, sgd int
}

func (c *countingCPU) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	c.adam++
	return c.CPU.Adam(p, g, m, v, s)
}

func (c *countingCPU) SGD(p, g, buf *ops.Tensor, s ops.SGDSpec) error {
	c.sgd++
	return c.CPU.SGD(p, g, buf, s)
}

var flatShapes = []ops.Shape{{8, 3, 3, 3}, {8}, {8}, {10, 72}, {10}, {1}}

// flatParams returns trainable params of flatShapes on b holding values
// drawn from seed.
func flatParams(t *testing.T, b ops.Backend, seed uint64) []*graph.Param {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var ps []*graph.Param
	for i, s := range flatShapes {
		p := &graph.Param{Name: fmt.Sprintf("p%d", i)}
		var err error
		if p.Value, err = b.Alloc(ops.F32, s); err == nil {
			p.Grad, err = b.Alloc(ops.F32, s)
		}
		if err != nil {
			t.Fatal(err)
		}
		d := make([]float32, s.Numel())
		for j := range d {
			d[j] = float32(rng.NormFloat64())
		}
		if err := b.Upload(p.Value, d); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// TestFlatOptimizerMatchesPerTensor runs each optimizer for several steps
// (the last under a NaN guard) once over flat tensors and once one
// parameter at a time, on both backends, and requires the same bits in
// every parameter and state tensor; it also counts one optimizer
// operation per step on a backend with views.
func TestFlatOptimizerMatchesPerTensor(t *testing.T) {
	configs := []trainer.OptimizerConfig{{Name: "adam", WeightDecay: 0.1}, {Name: "adamw", WeightDecay: 0.1},
		{Name: "sgd", Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}}
	backends := map[string]func(*testing.T) ops.Backend{
		"cpu":    func(*testing.T) ops.Backend { return ops.NewCPU() },
		"webgpu": func(t *testing.T) ops.Backend { return gputest.Backend(t) },
	}
	for _, bn := range []string{"cpu", "webgpu"} {
		for _, c := range configs {
			t.Run(bn+"/"+c.Name, func(t *testing.T) {
				b := backends[bn](t)
				flat, per := flatParams(t, b, 7), flatParams(t, b, 7)
				fo, err := trainer.NewOptimizer(b, flat, 1e-2, c)
				if err != nil {
					t.Fatal(err)
				}
				po, err := trainer.NewOptimizer(noViews{b}, per, 1e-2, c)
				if err != nil {
					t.Fatal(err)
				}
				guard, _ := b.Alloc(ops.F32, ops.Shape{1})
				fo.SetGuard(guard)
				po.SetGuard(guard)
				rng := rand.New(rand.NewPCG(3, 4))
				for step := 1; step <= 4; step++ {
					if step == 4 {
						_ = b.Upload(guard, []float32{float32(math.NaN())})
					}
					for i, s := range flatShapes {
						d := make([]float32, s.Numel())
						for j := range d {
							d[j] = float32(rng.NormFloat64())
						}
						if err := b.Upload(flat[i].Grad, d); err != nil {
							t.Fatal(err)
						}
						if err := b.Upload(per[i].Grad, d); err != nil {
							t.Fatal(err)
						}
					}
					if err := fo.Step(); err != nil {
						t.Fatal(err)
					}
					if err := po.Step(); err != nil {
						t.Fatal(err)
					}
				}
				for i := range flatShapes {
					want := []*ops.Tensor{per[i].Value}
					got := []*ops.Tensor{flat[i].Value}
					for k, st := range po.State(i) {
						want, got = append(want, st.Tensor), append(got, fo.State(i)[k].Tensor)
					}
					for k := range want {
						w, _ := b.Download(want[k])
						g, err := b.Download(got[k])
						if err != nil {
							t.Fatal(err)
						}
						for j := range w {
							if math.Float32bits(w[j]) != math.Float32bits(g[j]) {
								t.Fatalf("%s tensor %d of parameter %d [%d]: flat %v, per tensor %v", c.Name, k, i, j, g[j], w[j])
							}
						}
					}
				}
			})
		}
	}
	t.Run("one_operation_per_step", func(t *testing.T) {
		for _, c := range configs {
			cb := &countingCPU{CPU: ops.NewCPU()}
			o, err := trainer.NewOptimizer(cb, flatParams(t, cb, 1), 1e-2, c)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			if cb.adam+cb.sgd != 3 {
				t.Errorf("%s: %d Adam and %d SGD operations for 3 steps of %d parameters, want 3 in all", c.Name, cb.adam, cb.sgd, len(flatShapes))
			}
		}
	})
}
