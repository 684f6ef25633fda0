package conformance

// The memory and element-wise operations (Alloc, Upload, Download, Fill,
// Copy, Add, Scale, views): their checks, with the float64 reference of
// each inline, on small shapes (Elementwise), and on one tensor larger
// than a one-dimensional GPU dispatch reaches, with ReLU as well (Large).

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

var elemShapes = []ops.Shape{{1}, {7}, {5, 7}, {3, 1, 9}, {2, 3, 5, 13}, {1031}}

// Elementwise checks Alloc (zero-filled), Upload and Download round trips
// for F32 and I32, Reshape views, Fill, Copy, Add (also in place into
// either operand) and Scale (also in place).
func Elementwise(t TB, b ops.Backend) {
	t.Helper()
	for _, s := range elemShapes {
		run(t, "memory/"+shapeName(s), func(t TB) { memory(t, b, s) })
		run(t, "fill_copy/"+shapeName(s), func(t TB) { fillCopy(t, b, s) })
		run(t, "add/"+shapeName(s), func(t TB) { add(t, b, s) })
		run(t, "scale/"+shapeName(s), func(t TB) { scale(t, b, s) })
	}
	run(t, "reshape_view", func(t TB) { reshapeView(t, b) })
}

// largeShape has 4,504,500 elements, more than the 65,535 x 64 =
// 4,194,304 threads of a one-dimensional GPU dispatch of workgroups of 64:
// a backend that flattens elementwise work must split or fold it.
var largeShape = ops.Shape{3, 5, 300, 1001}

// Large runs Fill, ReLU, Add and Scale forward on one tensor of
// largeShape and compares every element, so that elements past a
// dispatch limit are not silently skipped.
func Large(t TB, b ops.Backend) {
	t.Helper()
	run(t, shapeName(largeShape), func(t TB) {
		e := newEnv(t, b, "large")
		defer e.close()
		s := largeShape
		n := s.Numel()
		xh := e.uniform(n, -1, 1)
		x, y := e.tensor(s, xh), e.zeros(s...)

		what := fmt.Sprintf("Fill(%v, 0.25)", s)
		e.ok(b.Fill(y, 0.25), what)
		want := make([]float64, n)
		for i := range want {
			want[i] = 0.25
		}
		expectClose(t, what, s, e.get(y), want, exact)

		what = fmt.Sprintf("ReLU(x %v)", s)
		e.ok(b.ReLU(y, x), what)
		want = refReLU(xh)
		expectClose(t, what+": y", s, e.get(y), want, ReferenceTol)

		what = fmt.Sprintf("Add(dst, x, relu(x) %v)", s)
		e.ok(b.Add(y, x, y), what)
		for i, v := range xh {
			want[i] += float64(v)
		}
		expectClose(t, what, s, e.get(y), want, ReferenceTol)

		what = fmt.Sprintf("Scale(y, y %v, -3)", s)
		e.ok(b.Scale(y, y, -3), what)
		for i := range want {
			want[i] *= -3
		}
		expectClose(t, what, s, e.get(y), want, ReferenceTol)
	})
}

func memory(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "memory/"+shapeName(s))
	defer e.close()
	n := s.Numel()
	z := e.alloc(ops.F32, s)
	expectClose(t, fmt.Sprintf("Alloc(f32, %v)", s), s, e.get(z), make([]float32, n), exact)
	zi := e.alloc(ops.I32, s)
	expectInts(t, fmt.Sprintf("Alloc(i32, %v)", s), s, e.getInt(zi), make([]int32, n))
	xh := e.uniform(n, -1e6, 1e6)
	xh[0] = 1.4e-45 // a denormal survives
	x := e.tensor(s, xh)
	expectClose(t, fmt.Sprintf("Upload then Download of %v", s), s, e.get(x), xh, exact)
	ih := make([]int32, n)
	for i := range ih {
		ih[i] = int32(e.rng.Uint32())
	}
	xi := e.alloc(ops.I32, s)
	if err := b.UploadInt(xi, ih); err != nil {
		t.Fatalf("UploadInt(%v): %v", xi, err)
	}
	expectInts(t, fmt.Sprintf("UploadInt then DownloadInt of %v", s), s, e.getInt(xi), ih)
	if err := b.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
}

func fillCopy(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "fill_copy/"+shapeName(s))
	defer e.close()
	n := s.Numel()
	x := e.junk(s...)
	for _, v := range []float32{0, -2.5, 3e38} {
		what := fmt.Sprintf("Fill(%v, %g)", s, v)
		e.ok(b.Fill(x, v), what)
		want := make([]float32, n)
		for i := range want {
			want[i] = v
		}
		expectClose(t, what, s, e.get(x), want, exact)
	}
	src := e.tensor(s, e.uniform(n, -10, 10))
	srcH := e.get(src)
	dst := e.junk(s...)
	what := fmt.Sprintf("Copy(dst %v, src %v)", s, s)
	e.ok(b.Copy(dst, src), what)
	expectClose(t, what, s, e.get(dst), srcH, exact)
	// Copy needs the same number of elements, not the same shape.
	flat := e.junk(n)
	what = fmt.Sprintf("Copy(dst %v, src %v)", flat.Shape(), s)
	e.ok(b.Copy(flat, src), what)
	expectClose(t, what, flat.Shape(), e.get(flat), srcH, exact)
}

func add(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "add/"+shapeName(s))
	defer e.close()
	n := s.Numel()
	ah, bh := e.uniform(n, -10, 10), e.uniform(n, -10, 10)
	want := make([]float64, n)
	for i := range want {
		want[i] = float64(ah[i]) + float64(bh[i])
	}
	a, bb, dst := e.tensor(s, ah), e.tensor(s, bh), e.junk(s...)
	what := fmt.Sprintf("Add(dst, a, b %v)", s)
	e.ok(b.Add(dst, a, bb), what)
	expectClose(t, what, s, e.get(dst), want, ReferenceTol)
	expectClose(t, what+": a after", s, e.get(a), ah, exact)
	expectClose(t, what+": b after", s, e.get(bb), bh, exact)

	what = fmt.Sprintf("Add(a, a, b %v) in place into a", s)
	e.ok(b.Add(a, a, bb), what)
	expectClose(t, what, s, e.get(a), want, ReferenceTol)
	e.set(a, ah)
	what = fmt.Sprintf("Add(b, a, b %v) in place into b", s)
	e.ok(b.Add(bb, a, bb), what)
	expectClose(t, what, s, e.get(bb), want, ReferenceTol)

	what = fmt.Sprintf("Add(a, a, a %v)", s)
	e.ok(b.Add(a, a, a), what)
	for i := range want {
		want[i] = 2 * float64(ah[i])
	}
	expectClose(t, what, s, e.get(a), want, ReferenceTol)
}

func scale(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "scale/"+shapeName(s))
	defer e.close()
	n := s.Numel()
	xh := e.uniform(n, -10, 10)
	x, y := e.tensor(s, xh), e.junk(s...)
	for _, alpha := range []float32{2.5, -1, 0, 1e-3} {
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(alpha) * float64(xh[i])
		}
		what := fmt.Sprintf("Scale(y, x %v, %g)", s, alpha)
		e.ok(b.Scale(y, x, alpha), what)
		expectClose(t, what, s, e.get(y), want, ReferenceTol)
	}
	what := fmt.Sprintf("Scale(x, x %v, -0.5) in place", s)
	e.ok(b.Scale(x, x, -0.5), what)
	want := make([]float64, n)
	for i := range want {
		want[i] = -0.5 * float64(xh[i])
	}
	expectClose(t, what, s, e.get(x), want, ReferenceTol)
}

// reshapeView checks that a view made by ops.Reshape shares its source's
// storage under every operation and that freeing it frees nothing.
func reshapeView(t TB, b ops.Backend) {
	e := newEnv(t, b, "reshape_view")
	defer e.close()
	s := ops.Shape{2, 3, 4}
	xh := e.uniform(s.Numel(), -1, 1)
	x := e.tensor(s, xh)
	v, err := ops.Reshape(x, ops.Shape{6, 4})
	if err != nil {
		t.Fatalf("ops.Reshape: %v", err)
	}
	e.ok(b.Scale(v, v, 2), "Scale of a [6,4] view of [2,3,4]")
	want := make([]float64, len(xh))
	for i := range want {
		want[i] = 2 * float64(xh[i])
	}
	expectClose(t, "[2,3,4] tensor after Scale of its [6,4] view", s, e.get(x), want, ReferenceTol)
	expectClose(t, "[6,4] view after Scale", v.Shape(), e.get(v), want, ReferenceTol)
	// A view as the input of an operation that cares about its shape:
	// flatten NCHW into the [N, C*H*W] of a linear layer.
	w := e.tensor(ops.Shape{1, 12}, e.uniform(12, -1, 1))
	flat, err := ops.Reshape(x, ops.Shape{2, 12})
	if err != nil {
		t.Fatalf("ops.Reshape: %v", err)
	}
	y := e.junk(2, 1)
	e.ok(b.Linear(y, flat, w, nil), "Linear on a [2,12] view of [2,3,4]")
	expectClose(t, "Linear(x [2,12] view, w [1,12]): y", y.Shape(), e.get(y),
		refLinear(2, 12, 1, want, f64(e.get(w)), nil), ReferenceTol)
	b.Free(v)
	b.Free(flat)
	expectClose(t, "[2,3,4] tensor after freeing its views", s, e.get(x), want, ReferenceTol)
}
