package trainer

import "fmt"

// ScheduleConfig chooses the run's learning-rate schedule (Config.Schedule).
// The zero value is MultiStepLR from Config.LR, Config.Milestones and
// Config.Gamma.
type ScheduleConfig struct {
	// Name is "" or "multistep" (MultiStepLR), "onecycle" (OneCycleLR with
	// cosine annealing) or "linear" (OneCycleLR with linear annealing:
	// linear warm-up, then linear decay).
	Name string
	// The OneCycleLR settings of onecycle and linear, used as given (the
	// zero value is not PyTorch's default; DefaultOneCycle has those).
	// Config.LR is max_lr, and total_steps is Config.Epochs times the
	// training loader's batches per epoch.
	PctStart, DivFactor, FinalDivFactor float64
	CycleMomentum                       bool
	BaseMomentum, MaxMomentum           float64
}

// DefaultOneCycle returns PyTorch's OneCycleLR defaults under the name
// name ("onecycle" or "linear").
func DefaultOneCycle(name string) ScheduleConfig {
	return ScheduleConfig{Name: name, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4,
		CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95}
}

// PerStep reports whether the schedule depends on the run's total number
// of steps (onecycle, linear), so that changing Config.Epochs changes it.
func (c ScheduleConfig) PerStep() bool { return c.Name == "onecycle" || c.Name == "linear" }

// newSchedule builds the schedule of cfg.
func newSchedule(cfg *Config) (Schedule, error) {
	switch cfg.Schedule.Name {
	case "", "multistep":
		gamma := cfg.Gamma
		if len(cfg.Milestones) == 0 && gamma == 0 {
			gamma = 1
		}
		return NewMultiStepLR(cfg.LR, cfg.Milestones, gamma)
	case "onecycle", "linear":
		c := cfg.Schedule
		anneal := "cos"
		if c.Name == "linear" {
			anneal = "linear"
		}
		return NewOneCycleLR(OneCycleLR{
			MaxLR: cfg.LR, TotalSteps: cfg.Epochs * cfg.Train.Batches(), PctStart: c.PctStart, Anneal: anneal,
			DivFactor: c.DivFactor, FinalDivFactor: c.FinalDivFactor,
			CycleMomentum: c.CycleMomentum, BaseMomentum: c.BaseMomentum, MaxMomentum: c.MaxMomentum,
		})
	}
	return nil, &ScheduleError{Schedule: "schedule", Msg: fmt.Sprintf("unknown schedule %q (want multistep, onecycle or linear)", cfg.Schedule.Name)}
}
