package trainer_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/trainer"
)

// onecycleCase is one case of testdata/schedules.json, written by
// scripts/gen_schedules.py from torch.optim.lr_scheduler.OneCycleLR.
type onecycleCase struct {
	Name           string    `json:"name"`
	Optimizer      string    `json:"optimizer"`
	TotalSteps     int       `json:"total_steps"`
	MaxLR          float64   `json:"max_lr"`
	PctStart       float64   `json:"pct_start"`
	Anneal         string    `json:"anneal_strategy"`
	DivFactor      float64   `json:"div_factor"`
	FinalDivFactor float64   `json:"final_div_factor"`
	CycleMomentum  bool      `json:"cycle_momentum"`
	BaseMomentum   float64   `json:"base_momentum"`
	MaxMomentum    float64   `json:"max_momentum"`
	LR             []float64 `json:"lr"`
	Momentum       []float64 `json:"momentum"`
}

// relClose reports whether got is within 1e-12 of want, relatively.
func relClose(got, want float64) bool {
	return got == want || math.Abs(got-want) <= 1e-12*math.Abs(want)
}

// TestOneCycleLRMatchesPyTorchFixture compares every step's learning rate
// and momentum (SGD's momentum, Adam's beta1) of whole runs with
// PyTorch's, and counts the values that are not bit for bit equal.
func TestOneCycleLRMatchesPyTorchFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/schedules.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct{ Cases []onecycleCase }
	if err := json.Unmarshal(data, &fx); err != nil || len(fx.Cases) == 0 {
		t.Fatalf("testdata/schedules.json: %v (%d cases)", err, len(fx.Cases))
	}
	values, inexact := 0, 0
	for _, c := range fx.Cases {
		s, err := trainer.NewOneCycleLR(trainer.OneCycleLR{
			MaxLR: c.MaxLR, TotalSteps: c.TotalSteps, PctStart: c.PctStart, Anneal: c.Anneal,
			DivFactor: c.DivFactor, FinalDivFactor: c.FinalDivFactor,
			CycleMomentum: c.CycleMomentum, BaseMomentum: c.BaseMomentum, MaxMomentum: c.MaxMomentum,
		})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(c.LR) != c.TotalSteps || len(c.Momentum) != c.TotalSteps {
			t.Fatalf("%s: %d rates and %d momenta for %d steps", c.Name, len(c.LR), len(c.Momentum), c.TotalSteps)
		}
		for i := range c.TotalSteps {
			h := s.At(i*7/c.TotalSteps, i) // the epoch is not used
			if h.SetMomentum != c.CycleMomentum {
				t.Fatalf("%s: step %d: SetMomentum %v, want %v", c.Name, i, h.SetMomentum, c.CycleMomentum)
			}
			if !relClose(h.LR, c.LR[i]) {
				t.Errorf("%s: step %d: lr %v, PyTorch %v", c.Name, i, h.LR, c.LR[i])
			}
			values++
			if h.LR != c.LR[i] {
				inexact++
			}
			if c.CycleMomentum {
				values++
				if !relClose(h.Momentum, c.Momentum[i]) {
					t.Errorf("%s: step %d: momentum %v, PyTorch %v", c.Name, i, h.Momentum, c.Momentum[i])
				}
				if h.Momentum != c.Momentum[i] {
					inexact++
				}
			}
		}
	}
	t.Logf("%d values compared, %d not bit for bit equal (within 1e-12 relative)", values, inexact)
}

// TestOneCycleLRRefusesBadSettings checks that each invalid setting is
// refused with a *ScheduleError naming it.
func TestOneCycleLRRefusesBadSettings(t *testing.T) {
	good := trainer.OneCycleLR{MaxLR: 0.1, TotalSteps: 10, PctStart: 0.3, Anneal: "cos", DivFactor: 25,
		FinalDivFactor: 1e4, CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95}
	if _, err := trainer.NewOneCycleLR(good); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	for name, change := range map[string]func(*trainer.OneCycleLR){
		"max_lr":           func(s *trainer.OneCycleLR) { s.MaxLR = math.Inf(1) },
		"total_steps":      func(s *trainer.OneCycleLR) { s.TotalSteps = 0 },
		"pct_start":        func(s *trainer.OneCycleLR) { s.PctStart = 1.5 },
		"anneal_strategy":  func(s *trainer.OneCycleLR) { s.Anneal = "exp" },
		"div_factor":       func(s *trainer.OneCycleLR) { s.DivFactor = 0 },
		"final_div_factor": func(s *trainer.OneCycleLR) { s.FinalDivFactor = math.NaN() },
		"base_momentum":    func(s *trainer.OneCycleLR) { s.BaseMomentum = -0.1 },
		"max_momentum":     func(s *trainer.OneCycleLR) { s.MaxMomentum = 1 },
		"× total_steps":    func(s *trainer.OneCycleLR) { s.PctStart = 0.1 },
	} {
		s := good
		change(&s)
		_, err := trainer.NewOneCycleLR(s)
		var se *trainer.ScheduleError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want a ScheduleError naming it", name, err)
		}
	}
}
