package main

import (
	"math"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/trainer"
)

// scheduleFlags are train's learning-rate schedule flags: --schedule and
// OneCycleLR's settings, recorded in hparams.json under the flags' names.
type scheduleFlags struct {
	name                                string
	pctStart, divFactor, finalDivFactor float64
	cycleMomentum                       bool
	baseMomentum, maxMomentum           float64
}

// oneCycleOnly are the flags that only --schedule onecycle and linear use.
var oneCycleOnly = []string{"pct-start", "div-factor", "final-div-factor", "cycle-momentum", "base-momentum", "max-momentum"}

// addScheduleFlags adds the schedule flags, with PyTorch's OneCycleLR
// defaults.
func addScheduleFlags(fs *pflag.FlagSet, s *scheduleFlags) {
	d := trainer.DefaultOneCycle("onecycle")
	fs.StringVar(&s.name, "schedule", "multistep", "learning-rate schedule: multistep (MultiStepLR per epoch: --milestones, --gamma), onecycle (PyTorch's OneCycleLR per step: warm-up from --lr/--div-factor to --lr over --pct-start of the run's steps, then cosine annealing to --lr/--div-factor/--final-div-factor) or linear (the same with linear warm-up and linear decay)")
	fs.Float64Var(&s.pctStart, "pct-start", d.PctStart, "onecycle/linear: the fraction of the run's steps spent warming up (0..1)")
	fs.Float64Var(&s.divFactor, "div-factor", d.DivFactor, "onecycle/linear: the first step's rate is --lr divided by this")
	fs.Float64Var(&s.finalDivFactor, "final-div-factor", d.FinalDivFactor, "onecycle/linear: the last step's rate is --lr/--div-factor divided by this")
	fs.BoolVar(&s.cycleMomentum, "cycle-momentum", d.CycleMomentum, "onecycle/linear: cycle the momentum (SGD's momentum, Adam's beta1) inversely to the rate, between --max-momentum and --base-momentum")
	fs.Float64Var(&s.baseMomentum, "base-momentum", d.BaseMomentum, "onecycle/linear: the momentum at the peak rate (0 <= m < 1)")
	fs.Float64Var(&s.maxMomentum, "max-momentum", d.MaxMomentum, "onecycle/linear: the momentum at the first and last steps (0 <= m < 1)")
}

// perStep reports whether the schedule spans the run's steps, so that it
// depends on --epochs.
func (s *scheduleFlags) perStep() bool { return s.name == "onecycle" || s.name == "linear" }

// config checks the schedule flags, naming the flag at fault: an unknown
// --schedule, a value out of range, --milestones or --gamma given with
// another schedule than multistep, or a OneCycleLR flag given with
// multistep.
func (s *scheduleFlags) config(fs *pflag.FlagSet) (trainer.ScheduleConfig, error) {
	var none trainer.ScheduleConfig
	switch s.name {
	case "multistep":
		for _, n := range oneCycleOnly {
			if fs.Changed(n) {
				return none, usagef("--%s applies to --schedule onecycle or linear, not multistep", n)
			}
		}
		return trainer.ScheduleConfig{Name: "multistep"}, nil
	case "onecycle", "linear":
	default:
		return none, usagef("--schedule %q: want multistep, onecycle or linear", s.name)
	}
	for _, n := range []string{"milestones", "gamma"} {
		if fs.Changed(n) {
			return none, usagef("--%s applies to --schedule multistep, not %s", n, s.name)
		}
	}
	positive := func(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
	momentum := func(x float64) bool { return x >= 0 && x < 1 }
	switch {
	case !(s.pctStart >= 0 && s.pctStart <= 1):
		return none, usagef("--pct-start %g: want a fraction 0 <= p <= 1", s.pctStart)
	case !positive(s.divFactor):
		return none, usagef("--div-factor %g: want a finite positive factor", s.divFactor)
	case !positive(s.finalDivFactor):
		return none, usagef("--final-div-factor %g: want a finite positive factor", s.finalDivFactor)
	case !momentum(s.baseMomentum):
		return none, usagef("--base-momentum %g: want 0 <= m < 1", s.baseMomentum)
	case !momentum(s.maxMomentum):
		return none, usagef("--max-momentum %g: want 0 <= m < 1", s.maxMomentum)
	}
	return trainer.ScheduleConfig{Name: s.name, PctStart: s.pctStart, DivFactor: s.divFactor, FinalDivFactor: s.finalDivFactor,
		CycleMomentum: s.cycleMomentum, BaseMomentum: s.baseMomentum, MaxMomentum: s.maxMomentum}, nil
}

// checkSteps reports a --pct-start whose warm-up is exactly one step of
// the run's steps, which PyTorch's OneCycleLR cannot compute (it divides
// zero by zero).
func (s *scheduleFlags) checkSteps(steps int) error {
	if s.perStep() && s.pctStart*float64(steps) == 1 {
		return usagef("--pct-start %g: times the run's %d steps it is 1, a warm-up OneCycleLR cannot compute; take another --pct-start", s.pctStart, steps)
	}
	return nil
}
