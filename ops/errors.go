package ops

import (
	"errors"
	"fmt"
)

// Error is the error every operation returns for bad arguments: it names
// the operation and says what is wrong.
type Error struct {
	Op  string // operation name, such as "conv2d"
	Msg string // what is wrong
	Err error  // ErrNilTensor for a missing tensor, else nil
}

// Error formats the error as "ops: <op>: <msg>".
func (e *Error) Error() string { return "ops: " + e.Op + ": " + e.Msg }

// Unwrap returns the sentinel cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrNilTensor is wrapped by errors about a missing required tensor.
var ErrNilTensor = errors.New("nil tensor")

// nilErr is the error about the missing tensor name of op.
func nilErr(op, name string) error {
	return &Error{Op: op, Msg: name + " is nil", Err: ErrNilTensor}
}

// errf is an *Error of op whose message is formatted as by fmt.Sprintf.
func errf(op, format string, args ...any) error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// need checks that t is a non-nil tensor of the dtype and rank wanted.
func need(op, name string, t *Tensor, dt DType, rank int) error {
	if t == nil {
		return nilErr(op, name)
	}
	if t.dtype != dt {
		return errf(op, "%s is %s, want %s", name, t, dt)
	}
	if rank >= 0 && len(t.shape) != rank {
		return errf(op, "%s is %s, want rank %d", name, t, rank)
	}
	return nil
}

// needShape checks that t is a non-nil tensor of the dtype and shape
// wanted. want does not escape (the message formats a copy), so callers'
// shape literals stay on the stack.
func needShape(op, name string, t *Tensor, dt DType, want Shape) error {
	if err := need(op, name, t, dt, len(want)); err != nil {
		return err
	}
	if !t.shape.Equal(want) {
		return errf(op, "%s is %s, want %s%s", name, t, dt, want.Clone())
	}
	return nil
}
