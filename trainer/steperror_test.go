package trainer

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// A step's error carries one "trainer:" prefix however far up it goes:
// the runner fills in the epoch and the split instead of wrapping it.
func TestStepErrorMessage(t *testing.T) {
	loss := nonFinite(math.NaN(), true)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&StepError{Train: true, Step: 7, Err: loss}, "trainer: step 7: the loss is NaN (not finite); the weights were not updated"},
		{inEpoch(2, &StepError{Train: true, Step: 7, Err: loss}), "trainer: epoch 2, step 7: the loss is NaN (not finite); the weights were not updated"},
		{inEpoch(2, fmt.Errorf("wrapped: %w", errors.New("x"))), "trainer: epoch 2: wrapped: x"},
		{&StepError{Step: -1, Err: nonFinite(math.Inf(1), false)}, "trainer: evaluation: the loss is +Inf (not finite)"},
		{&StepError{Step: -1, Split: "valid", Err: errors.New("x")}, "trainer: evaluating valid: x"},
		{inEpoch(3, errors.New("datasets: y")), "trainer: epoch 3: datasets: y"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if nonFinite(1.5, true) != nil {
		t.Error("a finite loss is an error")
	}
	var nf *NonFiniteLossError
	if !errors.As(inEpoch(1, &StepError{Train: true, Err: loss}), &nf) || !math.IsNaN(nf.Loss) {
		t.Error("the non-finite loss is not found in the chain")
	}
}
