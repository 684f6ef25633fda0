package ops

// Viewer is implemented by a backend whose tensors can be views at an
// offset into another tensor's storage. The optimizers use it to lay every
// parameter, gradient and state tensor out in one flat tensor, so that one
// Adam or SGD operation updates them all.
type Viewer interface {
	// View returns an F32 tensor of the given shape that lies in the
	// storage of the F32 tensor t from element off, which must be a
	// multiple of ViewAlign. The view shares t's storage: freeing it
	// frees nothing, and it must not be used once t is freed.
	View(t *Tensor, off int, shape Shape) (*Tensor, error)
	// ViewAlign is the number of elements every view's offset is a
	// multiple of.
	ViewAlign() int
}

// CheckView validates a view of shape at element off of t, which lies in
// storage aligned to align elements.
func CheckView(t *Tensor, off int, shape Shape, align int) error {
	const op = "view"
	if t == nil {
		return nilErr(op, "t")
	}
	if t.dtype != F32 {
		return errf(op, "t is %s, want f32", t)
	}
	n, why := shape.numel()
	if why != "" || !shape.Valid() {
		return errf(op, "shape %s is not a valid shape", shape)
	}
	if off < 0 || align < 1 || off%align != 0 {
		return errf(op, "offset %d is not a multiple of %d", off, align)
	}
	if off > t.Numel() || n > t.Numel()-off {
		return errf(op, "%s at offset %d does not fit in %s", shape, off, t)
	}
	return nil
}

// ViewLayout returns where each of shapes starts in a flat tensor whose
// views start at multiples of align elements, in order, and the flat
// tensor's length (a multiple of align). The elements between views are
// padding that no view covers.
func ViewLayout(shapes []Shape, align int) (offs []int, total int) {
	offs = make([]int, len(shapes))
	for i, s := range shapes {
		offs[i] = total
		total += (s.Numel() + align - 1) / align * align
	}
	return offs, total
}

// AllocViews allocates one zero-filled F32 tensor laid out by ViewLayout
// with b's ViewAlign and returns it with a view of each shape in it. It
// returns a nil flat tensor and no error when b is not a Viewer.
func AllocViews(b Backend, shapes []Shape) (flat *Tensor, views []*Tensor, err error) {
	v, ok := b.(Viewer)
	if !ok || len(shapes) == 0 {
		return nil, nil, nil
	}
	offs, total := ViewLayout(shapes, v.ViewAlign())
	if flat, err = b.Alloc(F32, Shape{total}); err != nil {
		return nil, nil, err
	}
	views = make([]*Tensor, len(shapes))
	for i, s := range shapes {
		if views[i], err = v.View(flat, offs[i], s); err != nil {
			b.Free(flat)
			return nil, nil, err
		}
	}
	return flat, views, nil
}

// View returns a view of t's storage at element off (a multiple of
// cpuViewAlign): a subslice of it, which every operation reads like any
// tensor's storage.
func (c *CPU) View(t *Tensor, off int, shape Shape) (*Tensor, error) {
	if err := c.mine("view", t); err != nil {
		return nil, err
	}
	if err := CheckView(t, off, shape, cpuViewAlign); err != nil {
		return nil, err
	}
	n := shape.Numel()
	return NewTensor(c, F32, shape, f32(t)[off:off+n:off+n]), nil
}

// cpuViewAlign is the CPU backend's view alignment: 16 float32s, one
// 64-byte cache line, so that no two views share a line.
const cpuViewAlign = 16

// ViewAlign returns the CPU backend's view alignment in elements.
func (c *CPU) ViewAlign() int { return cpuViewAlign }
