package conformance

// Views: tensors that lie at an offset in a flat tensor (ops.Viewer), the
// operations that read and write parameters through them, and one Adam or
// SGD step over a whole flat tensor against one step per tensor.

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// viewShapes are parameter-like shapes, most of them not a multiple of any
// backend's view alignment, so the flat layouts have padding.
var viewShapes = []ops.Shape{{4, 3, 3, 3}, {4}, {4}, {10, 36}, {10}, {1}, {3, 5, 7}}

// Views checks a backend's views: each view reads and writes its own
// range of the flat tensor and nothing else, a convolution and a linear
// layer reading weights and writing gradients through views match the
// same operations on separate tensors bit for bit, and so does one Adam
// or SGD step over the flat tensors against one step per tensor. A
// backend without views has nothing to check.
func Views(t TB, b ops.Backend) {
	t.Helper()
	if _, ok := b.(ops.Viewer); !ok {
		t.Logf("%s has no views", b.Name())
		return
	}
	run(t, "layout", func(t TB) { viewLayout(t, b) })
	run(t, "ops", func(t TB) { viewOps(t, b) })
	run(t, "adam_flat", func(t TB) { viewOptim(t, b, "adam") })
	run(t, "sgd_flat", func(t TB) { viewOptim(t, b, "sgd") })
}

// flatViews allocates a flat tensor with a view of each shape, owned by e.
func (e *env) flatViews(shapes []ops.Shape) (*ops.Tensor, []*ops.Tensor) {
	e.t.Helper()
	flat, views, err := ops.AllocViews(e.b, shapes)
	if err != nil || flat == nil {
		e.t.Fatalf("AllocViews(%v): %v, %v", shapes, flat, err)
	}
	e.owned = append(e.owned, flat)
	return flat, views
}

func viewLayout(t TB, b ops.Backend) {
	e := newEnv(t, b, "views/layout")
	defer e.close()
	align := b.(ops.Viewer).ViewAlign()
	offs, total := ops.ViewLayout(viewShapes, align)
	flat, views := e.flatViews(viewShapes)
	if flat.Numel() != total {
		t.Fatalf("AllocViews: flat tensor %v, want [%d]", flat, total)
	}
	want := make([]float32, total)
	for i, v := range views {
		d := e.uniform(v.Numel(), 1, 2)
		e.set(v, d)
		copy(want[offs[i]:], d)
	}
	expectClose(t, "flat tensor after an upload into each view (padding 0)", flat.Shape(), e.get(flat), want, Tolerance{})
	for i, v := range views {
		expectClose(t, fmt.Sprintf("view %d (%v at %d)", i, v.Shape(), offs[i]), v.Shape(), e.get(v), want[offs[i]:offs[i]+v.Numel()], Tolerance{})
	}
	vw := b.(ops.Viewer)
	for _, c := range []struct {
		off   int
		shape ops.Shape
	}{{1, ops.Shape{1}}, {0, ops.Shape{total + 1}}, {total, ops.Shape{1}}, {-align, ops.Shape{1}}} {
		if c.off%align == 0 && c.off >= 0 && c.off+c.shape.Numel() <= total {
			continue
		}
		if _, err := vw.View(flat, c.off, c.shape); err == nil {
			t.Errorf("View(%v, %d, %v): no error", flat, c.off, c.shape)
		}
	}
}

// viewOps runs a convolution and a linear layer, forward and backward,
// once on separate tensors and once with weights and gradients in views.
func viewOps(t TB, b ops.Backend) {
	e := newEnv(t, b, "views/ops")
	defer e.close()
	pflat, pv := e.flatViews(viewShapes)
	gflat, gv := e.flatViews(viewShapes)
	junk := e.uniform(gflat.Numel(), 100, 1000)
	e.set(gflat, junk)
	sep := make([]*ops.Tensor, len(viewShapes))
	for i, s := range viewShapes {
		d := e.uniform(s.Numel(), -1, 1)
		sep[i] = e.tensor(s, d)
		e.set(pv[i], d)
	}
	before := e.get(pflat)
	spec := ops.ConvSpec{Stride: 1, Padding: 1}
	x, dy := e.tensor(ops.Shape{2, 3, 6, 6}, e.uniform(216, -1, 1)), e.tensor(ops.Shape{2, 4, 6, 6}, e.uniform(288, -1, 1))
	xl, dyl := e.tensor(ops.Shape{3, 36}, e.uniform(108, -1, 1)), e.tensor(ops.Shape{3, 10}, e.uniform(30, -1, 1))
	var outs []*ops.Tensor
	for _, w := range [][]*ops.Tensor{sep, pv} {
		y, yl := e.junk(2, 4, 6, 6), e.junk(3, 10)
		dw, db, dwl, dbl := e.junk(4, 3, 3, 3), e.junk(4), e.junk(10, 36), e.junk(10)
		if w[0] == pv[0] {
			dw, db, dwl, dbl = gv[0], gv[1], gv[3], gv[4]
		}
		e.ok(b.Conv2D(y, x, w[0], w[1], spec), "Conv2D")
		e.ok(b.Conv2DBackwardFilter(dw, db, x, dy, spec), "Conv2DBackwardFilter")
		e.ok(b.Linear(yl, xl, w[3], w[4]), "Linear")
		e.ok(b.LinearBackward(nil, dwl, dbl, xl, w[3], dyl), "LinearBackward")
		outs = append(outs, y, dw, db, yl, dwl, dbl)
	}
	names := []string{"conv y", "conv dw", "conv db", "linear y", "linear dw", "linear db"}
	for i, name := range names {
		a, v := outs[i], outs[len(names)+i]
		expectClose(t, "with views against separate tensors: "+name, a.Shape(), e.get(v), f64(e.get(a)), Tolerance{})
	}
	expectClose(t, "flat parameters after the operations read them", pflat.Shape(), e.get(pflat), f64(before), Tolerance{})
	offs, _ := ops.ViewLayout(viewShapes, b.(ops.Viewer).ViewAlign())
	got := e.get(gflat)
	for _, i := range []int{2, 5, 6} { // the views nothing wrote
		n := viewShapes[i].Numel()
		expectClose(t, fmt.Sprintf("gradient view %d, which nothing wrote", i), viewShapes[i], got[offs[i]:offs[i]+n], junk[offs[i]:offs[i]+n], Tolerance{})
	}
}
