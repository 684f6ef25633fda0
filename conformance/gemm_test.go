package conformance

// The broken matrix products that GEMM must catch and Linear and Conv2D,
// whose shapes are small, do not.

import "github.com/wgtrain/wgtrain/ops"

// linearShortReduction's Linear sums over the first 512 inputs only, as a
// split-K product that drops its last splits would.
type linearShortReduction struct{ ops.Backend }

func (b linearShortReduction) Linear(y, x, w, bias *ops.Tensor) error {
	const kept = 512
	in := x.Shape()[1]
	if in <= kept {
		return b.Backend.Linear(y, x, w, bias)
	}
	xs, err := b.Download(x)
	if err != nil {
		return err
	}
	for r := 0; r < len(xs); r += in {
		clear(xs[r+kept : r+in])
	}
	return withTensor(b, x.Shape(), xs, func(short *ops.Tensor) error { return b.Backend.Linear(y, short, w, bias) })
}

// convFilterShortReduction's Conv2DBackwardFilter sums over the first 512
// output pixels of the batch only.
type convFilterShortReduction struct{ ops.Backend }

func (b convFilterShortReduction) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	const kept = 512
	g, err := b.Download(dy)
	if err != nil {
		return err
	}
	ys := dy.Shape()
	n, o, hw := ys[0], ys[1], ys[2]*ys[3]
	for img := 0; img < n; img++ {
		for q := max(0, kept-img*hw); q < hw; q++ {
			for c := 0; c < o; c++ {
				g[(img*o+c)*hw+q] = 0
			}
		}
	}
	return withTensor(b, ys, g, func(short *ops.Tensor) error { return b.Backend.Conv2DBackwardFilter(dw, db, x, short, s) })
}

// linearDwFirstRows's LinearBackward writes the first 64 rows of dw only,
// as a product whose grid covers one row of 64-row tiles would.
type linearDwFirstRows struct{ ops.Backend }

func (b linearDwFirstRows) LinearBackward(dx, dw, db, x, w, dy *ops.Tensor) error {
	call := func() error { return b.Backend.LinearBackward(dx, dw, db, x, w, dy) }
	if dw == nil {
		return call()
	}
	return leaveUnwritten(b, dw, 64*dw.Shape()[1], call)
}

var gemmMutants = []mutant{
	{"linear_short_reduction", GEMM, linearShortReduction{cpu}, []string{"Linear(x [5,999]", ": y"}},
	{"conv_filter_short_reduction", GEMM, convFilterShortReduction{cpu}, []string{"Conv2DBackwardFilter(x [2,3,19,19]", ": dw"}},
	{"linear_dw_first_rows", GEMM, linearDwFirstRows{cpu}, []string{"LinearBackward(x [33,47]", "LinearBackward(x [3,257]", ": dw"}},
}
