package gpu

import "github.com/wgtrain/wgtrain/ops"

// elementwise records an elementwise shader over n elements.
func (g *Backend) elementwise(op, key string, n int, extra []uint32, bufs ...binding) error {
	wx, wy, row := g.grid(n, 256)
	params := append([]uint32{uint32(n), row}, extra...)
	return g.dispatch(op, key, params, wx, wy, float64(n), bufs...)
}

// Fill sets every element of an F32 tensor to v.
func (g *Backend) Fill(t *ops.Tensor, v float32) error {
	if t == nil {
		return &ops.Error{Op: "fill", Msg: "t is nil", Err: ops.ErrNilTensor}
	}
	if t.DType() != ops.F32 {
		return opErr("fill", "t is %s, want f32", t)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("fill", t)
	if err != nil {
		return err
	}
	n := t.Numel()
	return g.elementwise("fill", "fill", n, []uint32{f32bits(v)}, out(bs[0], n))
}

// Copy copies src into dst.
func (g *Backend) Copy(dst, src *ops.Tensor) error {
	if err := ops.CheckCopy(dst, src); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("copy", dst, src)
	if err != nil {
		return err
	}
	n := dst.Numel()
	return g.elementwise("copy", "unary:copy", n, nil, out(bs[0], n), in(bs[1], n))
}

// Add writes dst = a + b.
func (g *Backend) Add(dst, a, b *ops.Tensor) error {
	if err := ops.CheckSame("add", []string{"dst", "a", "b"}, dst, a, b); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("add", dst, a, b)
	if err != nil {
		return err
	}
	n := dst.Numel()
	// dst may alias a or b: the shader reads both before it writes.
	return g.elementwise("add", "binary:add", n, nil, in(bs[0], n), in(bs[1], n), in(bs[2], n))
}

// Scale writes dst = alpha * src.
func (g *Backend) Scale(dst, src *ops.Tensor, alpha float32) error {
	if err := ops.CheckSame("scale", []string{"dst", "src"}, dst, src); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("scale", dst, src)
	if err != nil {
		return err
	}
	n := dst.Numel()
	return g.elementwise("scale", "unary:scale", n, []uint32{f32bits(alpha)}, out(bs[0], n), in(bs[1], n))
}

// ReLU writes y = max(x, 0); NaN stays NaN.
func (g *Backend) ReLU(y, x *ops.Tensor) error {
	if err := ops.CheckSame("relu", []string{"y", "x"}, y, x); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("relu", y, x)
	if err != nil {
		return err
	}
	n := y.Numel()
	return g.elementwise("relu", "unary:relu", n, nil, out(bs[0], n), in(bs[1], n))
}

// ReLUBackward writes dx = dy where y > 0, else 0.
func (g *Backend) ReLUBackward(dx, y, dy *ops.Tensor) error {
	if err := ops.CheckSame("relu_backward", []string{"dx", "y", "dy"}, dx, y, dy); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs("relu_backward", dx, y, dy)
	if err != nil {
		return err
	}
	n := dx.Numel()
	return g.elementwise("relu_backward", "binary:relu_backward", n, nil, in(bs[0], n), in(bs[1], n), in(bs[2], n))
}
