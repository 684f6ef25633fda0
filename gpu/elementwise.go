package gpu

import "github.com/wgtrain/wgtrain/ops"

// fillParams is the parameter block of elementwise_fill.wgsl.
type fillParams struct {
	flat
	V float32
}

// unaryParams is the parameter block of elementwise_unary.wgsl; scale
// multiplies by A.
type unaryParams struct {
	flat
	A float32
}

// binaryParams is the parameter block of elementwise_binary.wgsl.
type binaryParams struct{ flat }

// elementwise records an element-wise entry point over n elements, one
// invocation each; in chunks of elements when they are larger than one
// binding (split.go), each binding of n elements then bound a chunk at a
// time, any other (the optimizers' one-element guard) whole.
func (g *Backend) elementwise(op, key string, n int, params flatParams, bufs ...binding) error {
	return g.flatChunks(n, func(first, count int) error {
		part := make([]binding, len(bufs))
		for i, b := range bufs {
			part[i] = b
			if b.n == n {
				part[i] = b.slice(first, count)
			}
		}
		return g.dispatchFlat(op, key, count, 256, float64(count), params, part...)
	})
}

// Fill sets every element of an F32 tensor to v.
func (g *Backend) Fill(t *ops.Tensor, v float32) error {
	const op = "fill"
	bs, done, err := g.begin(op, ops.CheckFill(t), t)
	if err != nil {
		return err
	}
	defer done()
	n := t.Numel()
	return g.elementwise(op, "elementwise_fill", n, &fillParams{V: v}, out(bs[0], n))
}

// Copy copies src into dst.
func (g *Backend) Copy(dst, src *ops.Tensor) error {
	const op = "copy"
	bs, done, err := g.begin(op, ops.CheckCopy(dst, src), dst, src)
	if err != nil {
		return err
	}
	defer done()
	n := dst.Numel()
	return g.elementwise(op, "elementwise_unary:copy", n, &unaryParams{}, out(bs[0], n), in(bs[1], n))
}

// Add writes dst = a + b.
func (g *Backend) Add(dst, a, b *ops.Tensor) error {
	const op = "add"
	bs, done, err := g.begin(op, ops.CheckSame(op, []string{"dst", "a", "b"}, dst, a, b), dst, a, b)
	if err != nil {
		return err
	}
	defer done()
	n := dst.Numel()
	// dst may alias a or b: the shader reads both before it writes.
	return g.elementwise(op, "elementwise_binary:add", n, &binaryParams{}, in(bs[0], n), in(bs[1], n), in(bs[2], n))
}

// Scale writes dst = alpha * src.
func (g *Backend) Scale(dst, src *ops.Tensor, alpha float32) error {
	const op = "scale"
	bs, done, err := g.begin(op, ops.CheckSame(op, []string{"dst", "src"}, dst, src), dst, src)
	if err != nil {
		return err
	}
	defer done()
	n := dst.Numel()
	return g.elementwise(op, "elementwise_unary:scale", n, &unaryParams{A: alpha}, out(bs[0], n), in(bs[1], n))
}
