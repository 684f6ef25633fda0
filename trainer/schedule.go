package trainer

import (
	"fmt"
	"math"
	"math/big"
	"slices"
)

// Schedule gives the optimizer's hyper-parameters step by step.
type Schedule interface {
	// At returns the hyper-parameters of the run's 0-based optimizer step
	// step, which falls in the 0-based epoch epoch.
	At(epoch, step int) Hyper
}

// MultiStepLR is PyTorch's MultiStepLR: the learning rate of the epoch
// with 0-based index e is Base * Gamma^(number of milestones m with
// m <= e). A milestone listed twice counts twice, as in PyTorch.
type MultiStepLR struct {
	Base       float64 // learning rate before the first milestone
	Milestones []int   // 0-based epoch indices, in any order
	Gamma      float64 // factor applied at each milestone
}

// ScheduleError reports an invalid learning-rate schedule setting.
type ScheduleError struct {
	Schedule string // "MultiStepLR"
	Msg      string
}

// Error returns "trainer: <schedule>: <msg>".
func (e *ScheduleError) Error() string { return "trainer: " + e.Schedule + ": " + e.Msg }

// NewMultiStepLR returns a MultiStepLR with its own copy of milestones.
// It returns a *ScheduleError when base or gamma is not a finite positive
// number or a milestone is negative.
func NewMultiStepLR(base float64, milestones []int, gamma float64) (*MultiStepLR, error) {
	bad := func(format string, args ...any) error {
		return &ScheduleError{Schedule: "MultiStepLR", Msg: fmt.Sprintf(format, args...)}
	}
	if math.IsNaN(base) || math.IsInf(base, 0) || base <= 0 {
		return nil, bad("base learning rate %v is not a finite positive number", base)
	}
	if math.IsNaN(gamma) || math.IsInf(gamma, 0) || gamma <= 0 {
		return nil, bad("gamma %v is not a finite positive number", gamma)
	}
	for i, m := range milestones {
		if m < 0 {
			return nil, bad("milestone %d (index %d) is negative", m, i)
		}
	}
	return &MultiStepLR{Base: base, Milestones: slices.Clone(milestones), Gamma: gamma}, nil
}

// LR returns the learning rate of the epoch with 0-based index epoch.
//
// It multiplies the way PyTorch's scheduler steps, epoch by epoch: at each
// distinct milestone reached, in order, the rate is multiplied by Gamma
// (by Gamma^k, correctly rounded, for a milestone listed k times), so the
// floating-point result matches the rates PyTorch reports, not just the
// formula.
func (s *MultiStepLR) LR(epoch int) float64 {
	reached := make([]int, 0, len(s.Milestones))
	for _, m := range s.Milestones {
		if m <= epoch {
			reached = append(reached, m)
		}
	}
	slices.Sort(reached)
	lr := s.Base
	for i := 0; i < len(reached); {
		k := 1
		for i+k < len(reached) && reached[i+k] == reached[i] {
			k++
		}
		lr *= powRounded(s.Gamma, k)
		i += k
	}
	return lr
}

// At returns the learning rate of the epoch; the momentum is left alone.
func (s *MultiStepLR) At(epoch, _ int) Hyper { return Hyper{LR: s.LR(epoch)} }

// powRounded returns x^k correctly rounded, as C's pow (which Python's **
// calls) gives it; math.Pow multiplies in float64 and can be an ulp off.
func powRounded(x float64, k int) float64 {
	if k == 1 {
		return x
	}
	// x has a 53-bit mantissa, so x^k is exact in 53*k bits.
	prec := uint(min(53*k, 1<<14))
	p := new(big.Float).SetPrec(prec).SetFloat64(1)
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	for range k {
		p.Mul(p, bx)
	}
	f, _ := p.Float64()
	return f
}
