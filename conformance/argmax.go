package conformance

// Argmax: its reference, and its checks on random rows and on ties.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// refArgmax returns the index of each row's first maximum, as
// torch.argmax does, for x [n,c].
func refArgmax(n, c int, x []float32) []int32 {
	pred := make([]int32, n)
	for r := 0; r < n; r++ {
		best := 0
		for j := 1; j < c; j++ {
			if x[r*c+j] > x[r*c+best] {
				best = j
			}
		}
		pred[r] = int32(best)
	}
	return pred
}

// Argmax checks Argmax on random logits and on rows with ties, where the
// first maximum wins (as torch.argmax does).
func Argmax(t TB, b ops.Backend) {
	t.Helper()
	inf := float32(math.Inf(1))
	ties := [][]float32{
		{1, 1, 1},
		{0, 2, 2, 1},
		{3, 0, 3},
		{-1, -1},
		{-5, -2, -7, -2},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 7},
		{7, 0, 0, 0, 0, 0, 0, 0, 0, 7},
		{-inf, -inf, -inf},
		{-3e38, -inf, -3e38},
		{1, inf, 2, inf},
	}
	for _, s := range []ops.Shape{{1, 1}, {1, 10}, {5, 7}, {64, 10}, {3, 129}} {
		run(t, shapeName(s), func(t TB) {
			e := newEnv(t, b, "argmax/"+shapeName(s))
			defer e.close()
			x := make([]float32, s.Numel())
			for i := range x {
				x[i] = float32(e.rng.NormFloat64())
			}
			argmax(t, e, s, x)
		})
	}
	run(t, "ties", func(t TB) {
		e := newEnv(t, b, "argmax/ties")
		defer e.close()
		for _, row := range ties {
			argmax(t, e, ops.Shape{1, len(row)}, row)
		}
		// All the rows of one width in one call.
		var x []float32
		for i := 0; i < 4; i++ {
			x = append(x, ties[5+i%2]...)
		}
		argmax(t, e, ops.Shape{4, 10}, x)
	})
}

func argmax(t TB, e *env, s ops.Shape, x []float32) {
	t.Helper()
	n, c := s[0], s[1]
	logits := e.tensor(s, x)
	pred := e.labels(filled(n, -7)) // wrong everywhere, so an unwritten row shows
	what := fmt.Sprintf("Argmax(logits %v)", s)
	e.ok(e.b.Argmax(pred, logits), what)
	got, want := e.getInt(pred), refArgmax(n, c, x)
	for r := 0; r < n; r++ {
		if got[r] != want[r] {
			t.Errorf("%s: row %d %v: got %d, want %d (the first maximum)", what, r, x[r*c:(r+1)*c], got[r], want[r])
		}
	}
}

// filled returns n copies of v.
func filled(n int, v int32) []int32 {
	d := make([]int32, n)
	for i := range d {
		d[i] = v
	}
	return d
}
