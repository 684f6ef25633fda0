package trainer

import (
	"fmt"
	"math"
)

// StepError is a training or evaluation step that failed. The runner
// fills in Epoch and Split on the way out instead of wrapping it again, so
// that the message carries one "trainer:" prefix: "trainer: epoch 1, step
// 7: the loss is NaN (not finite); ...".
type StepError struct {
	Train bool   // a training step (else an evaluation step)
	Step  int    // the training step number (0-based), when Train
	Epoch int    // the 1-based epoch, 0 when not known
	Split string // the evaluated loader's name, "" when not known
	Err   error
}

// Error returns "trainer: [epoch E, ]step N: ..." for a training step and
// "trainer: [epoch E, ]evaluating SPLIT: ..." (or "evaluation: ...") for an
// evaluation step.
func (e *StepError) Error() string {
	where := "evaluation"
	switch {
	case e.Train:
		where = fmt.Sprintf("step %d", e.Step)
	case e.Split != "":
		where = "evaluating " + e.Split
	}
	if e.Epoch > 0 {
		where = fmt.Sprintf("epoch %d, %s", e.Epoch, where)
	}
	return "trainer: " + where + ": " + e.Err.Error()
}

// Unwrap returns the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// NonFiniteLossError is a step whose loss is NaN or infinite; a training
// step that reports it left the weights as they were.
type NonFiniteLossError struct {
	Loss  float64
	Train bool
	// OtherRank: in a data-parallel run, the loss was not finite on
	// another rank (this rank's was); Loss is then NaN.
	OtherRank bool
}

// Error returns "the loss is NaN (not finite)", with "; the weights were
// not updated" for a training step.
func (e *NonFiniteLossError) Error() string {
	if e.OtherRank {
		return "the loss is not finite on another rank; the weights were not updated"
	}
	if e.Train {
		return fmt.Sprintf("the loss is %v (not finite); the weights were not updated", e.Loss)
	}
	return fmt.Sprintf("the loss is %v (not finite)", e.Loss)
}

// nonFinite returns a *NonFiniteLossError when loss is NaN or infinite.
func nonFinite(loss float64, train bool) error {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return &NonFiniteLossError{Loss: loss, Train: train}
	}
	return nil
}

// inEpoch adds the 1-based epoch to a step's error, or prefixes any other
// error with it. (A *StepError inside another error is not changed: the
// outer error's text is already made.)
func inEpoch(epoch int, err error) error {
	if se, ok := err.(*StepError); ok {
		se.Epoch = epoch
		return se
	}
	return fmt.Errorf("trainer: epoch %d: %w", epoch, err)
}
