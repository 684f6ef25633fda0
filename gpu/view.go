package gpu

import "github.com/wgtrain/wgtrain/ops"

// View returns an F32 tensor of the given shape lying in t's buffer from
// element off, a multiple of ViewAlign (the device's storage offset
// alignment): every operation binds it at that offset. It zero-fills t's
// buffer first when t came from the pool unwritten, so that a view's
// writes never leave the rest of the buffer to a later zeroing.
func (g *Backend) View(t *ops.Tensor, off int, shape ops.Shape) (*ops.Tensor, error) {
	const op = "view"
	bs, done, err := g.begin(op, ops.CheckView(t, off, shape, g.ViewAlign()), t)
	if err != nil {
		return nil, err
	}
	defer done()
	if bs[0].half {
		return nil, opErr(op, "%s is stored as binary16: views are of float32 tensors", t)
	}
	r, base := bs[0].root()
	if r.needZero {
		if err := g.zero(r); err != nil {
			return nil, err
		}
	}
	n := uint64(shape.Numel())
	v := &buffer{base: r, off: base + 4*uint64(off), cap: roundUp(4 * n)}
	if v.off+v.cap > r.cap {
		v.cap = 4 * n
	}
	return ops.NewTensor(g, ops.F32, shape, v), nil
}

// ViewAlign returns the device's storage offset alignment in float32s.
func (g *Backend) ViewAlign() int { return int(g.offsetAlign() / 4) }
