package trainer

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// emaFixture is trainer/testdata/ema.json, written by scripts/gen_ema.py.
type emaFixture struct {
	Cases []struct {
		Decay  float64 `json:"decay"`
		Shapes [][]int `json:"shapes"`
		Steps  []struct {
			Weights [][]float32 `json:"weights"`
			EMA     [][]float64 `json:"ema"`
		} `json:"steps"`
	} `json:"cases"`
}

// TestEMAMatchesPyTorch feeds the fixture's weight sequences to EMA on
// the CPU backend and compares the average after every update with
// AveragedModel's, and checks that Swap exchanges and restores them.
func TestEMAMatchesPyTorch(t *testing.T) {
	data, err := os.ReadFile("testdata/ema.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx emaFixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) == 0 {
		t.Fatal("no cases in testdata/ema.json")
	}
	b := ops.NewCPU()
	for _, c := range fx.Cases {
		var params []*graph.Param
		for i, s := range c.Shapes {
			v, err := b.Alloc(ops.F32, ops.Shape(s))
			if err != nil {
				t.Fatal(err)
			}
			params = append(params, &graph.Param{Name: []string{"weight", "bias"}[i], Value: v})
		}
		e, err := NewEMA(params, c.Decay)
		if err != nil {
			t.Fatal(err)
		}
		for k, st := range c.Steps {
			for i, p := range params {
				if err := b.Upload(p.Value, st.Weights[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Update(); err != nil {
				t.Fatal(err)
			}
			for i := range params {
				got, err := b.Download(e.Shadow(i))
				if err != nil {
					t.Fatal(err)
				}
				for j, want := range st.EMA[i] {
					if d := math.Abs(float64(got[j]) - want); d > 1e-6*math.Max(math.Abs(want), 1e-3) {
						t.Fatalf("decay %g, update %d, %s[%d]: got %g, PyTorch %g", c.Decay, k+1, params[i].Name, j, got[j], want)
					}
				}
			}
		}
		if e.Updates != len(c.Steps) {
			t.Errorf("Updates = %d, want %d", e.Updates, len(c.Steps))
		}
		// Swap puts the average in the parameters and the last weights in
		// the shadow; a second Swap undoes it.
		last := c.Steps[len(c.Steps)-1]
		for round := 1; round <= 2; round++ {
			if err := e.Swap(); err != nil {
				t.Fatal(err)
			}
			// live: where the last weights should be; avg: the average.
			live, _ := b.Download(params[0].Value)
			avg, _ := b.Download(e.Shadow(0))
			if round == 1 {
				live, avg = avg, live
			}
			for j, w := range last.Weights[0] {
				if live[j] != w || math.Abs(float64(avg[j])-last.EMA[0][j]) > 1e-6*math.Max(math.Abs(last.EMA[0][j]), 1e-3) {
					t.Fatalf("decay %g, after swap %d: weight[%d] %g and average %g, want %g and %g", c.Decay, round, j, live[j], avg[j], w, last.EMA[0][j])
				}
			}
		}
		e.Close()
	}
}

// TestNewEMARefusesBadDecay checks the decay's range.
func TestNewEMARefusesBadDecay(t *testing.T) {
	b := ops.NewCPU()
	v, err := b.Alloc(ops.F32, ops.Shape{2})
	if err != nil {
		t.Fatal(err)
	}
	params := []*graph.Param{{Name: "w", Value: v}}
	for _, d := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, err := NewEMA(params, d); err == nil {
			t.Errorf("NewEMA(decay %g) accepted", d)
		}
	}
	if _, err := NewEMA(nil, 0.9); err == nil {
		t.Error("NewEMA of no parameters accepted")
	}
}
