package trainer

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// optimFixture is trainer/testdata/optim.json, written by
// scripts/gen_optim.py with torch.optim.SGD, Adam and AdamW.
type optimFixture struct {
	Torch  string        `json:"torch"`
	Shapes [][]int       `json:"shapes"`
	Init   [][]float32   `json:"init"`
	Grads  [][][]float32 `json:"grads"`
	Cases  []struct {
		Name        string        `json:"name"`
		Optimizer   string        `json:"optimizer"`
		LR          float64       `json:"lr"`
		Momentum    float64       `json:"momentum"`
		Nesterov    bool          `json:"nesterov"`
		WeightDecay float64       `json:"weight_decay"`
		Params      [][][]float64 `json:"params"` // after each step, per parameter
	} `json:"cases"`
}

// optimTol is how far a float32 parameter may be from PyTorch's float32
// one after the fixture's steps: |got - want| <= optimATol + optimRTol*|want|.
// Both compute in float32 with the same order of operations; what is left
// is rounding (PyTorch's vectorized kernels may fuse a multiply-add).
const (
	optimATol = 1e-6
	optimRTol = 1e-6
)

// TestOptimizersMatchPyTorch runs the fixture's gradients through
// NewOptimizer on the CPU backend, for each of PyTorch's SGD, Adam and
// AdamW cases, and compares the parameters after every step.
func TestOptimizersMatchPyTorch(t *testing.T) {
	data, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx optimFixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 5 || len(fx.Grads) < 5 {
		t.Fatalf("testdata/optim.json: %d cases, %d steps; want at least 5 of each", len(fx.Cases), len(fx.Grads))
	}
	b := ops.NewCPU()
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var params []*graph.Param
			for i, s := range fx.Shapes {
				v, err := b.Alloc(ops.F32, ops.Shape(s))
				if err != nil {
					t.Fatal(err)
				}
				g, err := b.Alloc(ops.F32, ops.Shape(s))
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Upload(v, fx.Init[i]); err != nil {
					t.Fatal(err)
				}
				params = append(params, &graph.Param{Name: string(rune('a' + i)), Value: v, Grad: g})
			}
			opt, err := NewOptimizer(b, params, c.LR, OptimizerConfig{Name: c.Optimizer, Momentum: c.Momentum, Nesterov: c.Nesterov, WeightDecay: c.WeightDecay})
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for k, grads := range fx.Grads {
				for i, p := range params {
					if err := b.Upload(p.Grad, grads[i]); err != nil {
						t.Fatal(err)
					}
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
				for i, p := range params {
					got, err := b.Download(p.Value)
					if err != nil {
						t.Fatal(err)
					}
					for j, want := range c.Params[k][i] {
						d := math.Abs(float64(got[j]) - want)
						worst = max(worst, d/(optimATol+optimRTol*math.Abs(want)))
						if d > optimATol+optimRTol*math.Abs(want) {
							t.Errorf("step %d: %s[%d] = %v, PyTorch %v (diff %.3g)", k+1, p.Name, j, got[j], want, d)
						}
					}
				}
			}
			t.Logf("largest difference: %.3g of the tolerance", worst)
		})
	}
}
