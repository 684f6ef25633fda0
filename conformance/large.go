package conformance

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

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
		for i, v := range xh {
			want[i] = max(float64(v), 0)
		}
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
