package conformance

// The broken views that Views must catch.

import "github.com/wgtrain/wgtrain/ops"

// viewIgnoresOffset puts every view at the start of its flat tensor.
type viewIgnoresOffset struct{ *ops.CPU }

func (b viewIgnoresOffset) View(t *ops.Tensor, off int, shape ops.Shape) (*ops.Tensor, error) {
	return b.CPU.View(t, 0, shape)
}

// viewNextOffset puts every view one alignment past where it belongs
// (when that fits), so a view's writes land in its neighbour's range.
type viewNextOffset struct{ *ops.CPU }

func (b viewNextOffset) View(t *ops.Tensor, off int, shape ops.Shape) (*ops.Tensor, error) {
	if v, err := b.CPU.View(t, off+b.ViewAlign(), shape); err == nil {
		return v, nil
	}
	return b.CPU.View(t, off, shape)
}

var viewMutants = []mutant{
	{"view_ignores_offset", Views, viewIgnoresOffset{cpu}, []string{"padding 0", "against per tensor"}},
	{"view_next_offset", Views, viewNextOffset{cpu}, []string{"padding 0", "which nothing wrote"}},
}
