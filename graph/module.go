package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// Param is one named, persistent tensor of a model's state: a trainable
// weight or bias (Grad not nil) or a batch norm running statistic.
type Param struct {
	// Name is the PyTorch state_dict name, such as "1.0.weight".
	Name  string
	Value *ops.Tensor
	// Grad receives the gradient in Backward; nil for running statistics.
	Grad *ops.Tensor
}

// Trainable reports whether the optimizer updates p.
func (p *Param) Trainable() bool { return p.Grad != nil }

// entry returns p as a state_dict entry.
func (p *Param) entry() StateEntry { return StateEntry{Name: p.Name, Tensor: p.Value} }

// StateEntry is one entry of a model's state_dict: either a float tensor
// or an int64 counter (batch norm's num_batches_tracked).
type StateEntry struct {
	Name   string
	Tensor *ops.Tensor // F32 entries
	Count  *int64      // I64 scalar entries
}

// Module is a layer or a container of layers.
type Module interface {
	// Forward applies the module to x within the context.
	Forward(c *Context, x *Var) (*Var, error)
	// State appends the module's state_dict entries in PyTorch order.
	State(out []StateEntry) []StateEntry
	// Params appends the module's parameters (trainable and running
	// statistics) in state_dict order.
	Params(out []*Param) []*Param
}

// noState is embedded by layers without parameters.
type noState struct{}

// State lists nothing.
func (noState) State(out []StateEntry) []StateEntry { return out }

// Params lists nothing.
func (noState) Params(out []*Param) []*Param { return out }

// LayerError is returned when a layer fails: it names the layer by its
// state_dict prefix and wraps the cause.
type LayerError struct {
	Layer string // such as "1.0 (conv2d)"
	Err   error
}

// Error returns "graph: layer <layer>: <cause>".
func (e *LayerError) Error() string { return "graph: layer " + e.Layer + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LayerError) Unwrap() error { return e.Err }

// layerErr wraps a layer's error in a *LayerError; kind is the operation
// as ops names it ("conv2d", "batchnorm_train", "relu_backward", ...).
func layerErr(name, kind string, err error) error {
	if err == nil {
		return nil
	}
	if name == "" {
		name = "?"
	}
	return &LayerError{Layer: fmt.Sprintf("%s (%s)", name, kind), Err: err}
}

// newParam allocates a named parameter; trainable ones get a gradient.
func newParam(b ops.Backend, name string, shape ops.Shape, trainable bool) (*Param, error) {
	v, err := b.Alloc(ops.F32, shape)
	if err != nil {
		return nil, err
	}
	p := &Param{Name: name, Value: v}
	if trainable {
		if p.Grad, err = b.Alloc(ops.F32, shape); err != nil {
			return nil, err
		}
	}
	return p, nil
}
