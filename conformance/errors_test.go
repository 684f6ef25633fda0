package conformance

// The backends with bad error handling that Errors must catch.

import (
	"errors"

	"github.com/wgtrain/wgtrain/ops"
)

type reluPanicsOnNil struct{ ops.Backend }

func (b reluPanicsOnNil) ReLU(y, x *ops.Tensor) error {
	_ = x.Shape()[0] // nil x panics
	return b.Backend.ReLU(y, x)
}

type fillPlainError struct{ ops.Backend }

func (b fillPlainError) Fill(t *ops.Tensor, v float32) error {
	if err := b.Backend.Fill(t, v); err != nil {
		return errors.New(err.Error())
	}
	return nil
}

var errorsMutants = []mutant{
	{"relu_panics_on_nil", Errors, reluPanicsOnNil{cpu}, []string{"ReLU of nil panicked"}},
	{"fill_plain_error", Errors, fillPlainError{cpu}, []string{"Fill of i32[4] returned *errors.errorString"}},
}
