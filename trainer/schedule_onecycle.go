package trainer

import (
	"fmt"
	"math"
)

// OneCycleLR is PyTorch's OneCycleLR (torch 1.13, three_phase=False): the
// learning rate rises from MaxLR/DivFactor to MaxLR over the first
// PctStart of TotalSteps steps, then falls to MaxLR/DivFactor/
// FinalDivFactor at the last step, each phase annealed by a half cosine
// ("cos") or a straight line ("linear"). With CycleMomentum the momentum
// (SGD's momentum, Adam's beta1) moves the other way, from MaxMomentum to
// BaseMomentum and back. wgtrain's --schedule linear (linear warm-up, then
// linear decay) is this schedule with Anneal "linear".
type OneCycleLR struct {
	MaxLR          float64
	TotalSteps     int
	PctStart       float64 // PyTorch's default 0.3
	Anneal         string  // "cos" (PyTorch's default) or "linear"
	DivFactor      float64 // initial_lr = MaxLR/DivFactor; PyTorch's default 25
	FinalDivFactor float64 // min_lr = initial_lr/FinalDivFactor; PyTorch's default 1e4
	CycleMomentum  bool
	BaseMomentum   float64 // PyTorch's default 0.85
	MaxMomentum    float64 // PyTorch's default 0.95

	initialLR, minLR float64
	warmEnd          float64 // the first phase's end_step
}

// NewOneCycleLR checks s as PyTorch's constructor does and returns it
// ready to use. It returns a *ScheduleError when MaxLR, DivFactor or
// FinalDivFactor is not a finite positive number, TotalSteps is below 1,
// PctStart is outside [0, 1], Anneal is neither "cos" nor "linear", a
// momentum (with CycleMomentum) is outside [0, 1), or PctStart×TotalSteps
// is exactly 1, where PyTorch's first step divides zero by zero.
func NewOneCycleLR(s OneCycleLR) (*OneCycleLR, error) {
	bad := func(format string, args ...any) error {
		return &ScheduleError{Schedule: "OneCycleLR", Msg: fmt.Sprintf(format, args...)}
	}
	positive := func(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
	switch {
	case !positive(s.MaxLR):
		return nil, bad("max_lr %v is not a finite positive number", s.MaxLR)
	case s.TotalSteps < 1:
		return nil, bad("total_steps %d: want at least 1", s.TotalSteps)
	case !(s.PctStart >= 0 && s.PctStart <= 1):
		return nil, bad("pct_start %v: want 0 <= pct_start <= 1", s.PctStart)
	case s.Anneal != "cos" && s.Anneal != "linear":
		return nil, bad("anneal_strategy %q: want cos or linear", s.Anneal)
	case !positive(s.DivFactor):
		return nil, bad("div_factor %v is not a finite positive number", s.DivFactor)
	case !positive(s.FinalDivFactor):
		return nil, bad("final_div_factor %v is not a finite positive number", s.FinalDivFactor)
	case s.CycleMomentum && !(s.BaseMomentum >= 0 && s.BaseMomentum < 1):
		return nil, bad("base_momentum %v: want 0 <= momentum < 1", s.BaseMomentum)
	case s.CycleMomentum && !(s.MaxMomentum >= 0 && s.MaxMomentum < 1):
		return nil, bad("max_momentum %v: want 0 <= momentum < 1", s.MaxMomentum)
	}
	out := s
	// float(pct_start * self.total_steps) - 1
	out.warmEnd = float64(s.PctStart*float64(s.TotalSteps)) - 1
	if out.warmEnd == 0 {
		return nil, bad("pct_start %v × total_steps %d is 1: the warm-up would have no length (PyTorch divides by zero)", s.PctStart, s.TotalSteps)
	}
	out.initialLR = s.MaxLR / s.DivFactor
	out.minLR = out.initialLR / s.FinalDivFactor
	return &out, nil
}

// At returns the learning rate (and, with CycleMomentum, the momentum) of
// the run's 0-based optimizer step step: the values PyTorch's scheduler
// holds after step calls of scheduler.step(). The epoch is not used.
// Steps past TotalSteps-1 continue the last phase's formula (PyTorch
// refuses them; a run never asks for them).
func (s *OneCycleLR) At(_, step int) Hyper {
	n := float64(step)
	lrA, lrB, momA, momB := s.initialLR, s.MaxLR, s.MaxMomentum, s.BaseMomentum
	start, end := 0.0, s.warmEnd
	if !(n <= s.warmEnd) {
		lrA, lrB, momA, momB = s.MaxLR, s.minLR, s.BaseMomentum, s.MaxMomentum
		start, end = s.warmEnd, float64(s.TotalSteps-1)
	}
	pct := (n - start) / (end - start)
	h := Hyper{LR: s.anneal(lrA, lrB, pct)}
	if s.CycleMomentum {
		h.Momentum, h.SetMomentum = s.anneal(momA, momB, pct), true
	}
	return h
}

// anneal is PyTorch's _annealing_cos or _annealing_linear, in its order of
// operations; the float64 conversions keep Go from fusing a multiply and
// an add, which Python does not.
func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.Anneal == "linear" {
		return float64((end-start)*pct) + start
	}
	cosOut := float64(math.Cos(float64(math.Pi*pct))) + 1
	return end + float64((start-end)/2.0*cosOut)
}
