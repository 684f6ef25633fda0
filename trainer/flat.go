package trainer

import (
	"fmt"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// flatSet is an optimizer's parameters, gradients and state laid out in
// flat tensors (ops.AllocViews), so that one Adam or SGD operation updates
// every parameter: value and grad are flat tensors whose views are the
// parameters' Value and Grad, and state allocates flat buffers of the same
// layout. It is unused (nil value) on a backend without views, where the
// optimizers update one parameter at a time.
type flatSet struct {
	b           ops.Backend
	shapes      []ops.Shape
	value, grad *ops.Tensor
}

// flatten moves the params' values and gradients into two flat tensors
// on b when b is an ops.Viewer: each Param's Value and Grad becomes a view
// holding the same values, and the tensors they replace are freed. On
// another backend it returns a flatSet with a nil value and changes
// nothing. Params that an earlier optimizer flattened are moved again:
// that optimizer then updates its own flat tensors, no longer the params,
// and they are freed with the backend, so make one optimizer per model.
func flatten(b ops.Backend, params []*graph.Param) (*flatSet, error) {
	f := &flatSet{b: b}
	if _, ok := b.(ops.Viewer); !ok || len(params) == 0 {
		return f, nil
	}
	for _, p := range params {
		f.shapes = append(f.shapes, p.Value.Shape().Clone())
	}
	value, vs, err := ops.AllocViews(b, f.shapes)
	if err != nil {
		return nil, err
	}
	grad, gs, err := ops.AllocViews(b, f.shapes)
	if err != nil {
		b.Free(value)
		return nil, err
	}
	for i, p := range params {
		if err := b.Copy(vs[i], p.Value); err != nil {
			b.Free(value)
			b.Free(grad)
			return nil, fmt.Errorf("trainer: moving %s into the flat parameters: %w", p.Name, err)
		}
		if err := b.Copy(gs[i], p.Grad); err != nil {
			b.Free(value)
			b.Free(grad)
			return nil, fmt.Errorf("trainer: moving %s's gradient into the flat gradients: %w", p.Name, err)
		}
	}
	for i, p := range params {
		b.Free(p.Value)
		b.Free(p.Grad)
		p.Value, p.Grad = vs[i], gs[i]
	}
	f.value, f.grad = value, grad
	return f, nil
}

// flat reports whether the set's tensors are flat (the backend has views).
func (f *flatSet) flat() bool { return f.value != nil }

// state returns a zero-filled optimizer buffer for every parameter: views
// of one flat tensor (returned too) when the set is flat, else separate
// tensors and a nil flat tensor.
func (f *flatSet) state(params []*graph.Param) (*ops.Tensor, []*ops.Tensor, error) {
	if f.flat() {
		return ops.AllocViews(f.b, f.shapes)
	}
	ts := make([]*ops.Tensor, len(params))
	for i, p := range params {
		t, err := f.b.Alloc(ops.F32, p.Value.Shape())
		if err != nil {
			for _, u := range ts[:i] {
				f.b.Free(u)
			}
			return nil, nil, err
		}
		ts[i] = t
	}
	return nil, ts, nil
}
