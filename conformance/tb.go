package conformance

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

// TB is the part of *testing.T that the suite uses; *testing.T and
// *testing.B satisfy it as they are.
//
// Subtests: when the TB is a *testing.T the suite runs each case with its
// Run method, so cases are named and selectable with -run. Any other TB
// that has a method
//
//	Run(name string, f func(TB)) bool
//
// gets its subtests through that method (this package's self-test uses it
// to record failures of a deliberately broken backend without failing
// itself). A TB with neither runs the cases one after another.
//
// Fatalf must not return: *testing.T stops the goroutine with
// runtime.Goexit, and so must any other implementation.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// run runs f as a subtest of t named name.
func run(t TB, name string, f func(t TB)) bool {
	t.Helper()
	switch p := t.(type) {
	case *testing.T:
		return p.Run(name, func(t *testing.T) { f(t) })
	case interface {
		Run(name string, f func(TB)) bool
	}:
		return p.Run(name, f)
	}
	f(t)
	return true
}

// Tolerance is the suite's comparison rule: x passes against y when
// |x - y| <= max(RTol*|x + y|, ATol). NaN never passes; equal values,
// infinities included, always do.
type Tolerance struct{ RTol, ATol float64 }

// The suite's two stated tolerances; the package documentation gives the
// reasons for their values.
var (
	// ReferenceTol compares a backend with the float64 reference
	// implementations (forward, and backward in closed form).
	ReferenceTol = Tolerance{RTol: 1e-5, ATol: 1e-5}
	// FiniteDiffTol compares an analytic gradient with central finite
	// differences of the backend's float32 forward.
	FiniteDiffTol = Tolerance{RTol: 1e-2, ATol: 1e-3}
)

// Within reports whether x and y agree under the tolerance.
func (tol Tolerance) Within(x, y float64) bool {
	if math.IsNaN(x) || math.IsNaN(y) {
		return false
	}
	if x == y {
		return true
	}
	return math.Abs(x-y) <= math.Max(tol.RTol*math.Abs(x+y), tol.ATol)
}

// String describes the rule with its values.
func (tol Tolerance) String() string {
	return fmt.Sprintf("|got-want| <= max(%g*|got+want|, %g)", tol.RTol, tol.ATol)
}

// Float is the element type Close accepts.
type Float interface{ ~float32 | ~float64 }

// Close compares got with want element by element under tol. It returns
// the index of the first element that does not pass and false, or -1 and
// true when all pass. Slices of different lengths do not pass; the index
// is then the shorter length.
func Close[G, W Float](got []G, want []W, tol Tolerance) (index int, ok bool) {
	if len(got) != len(want) {
		return min(len(got), len(want)), false
	}
	for i := range got {
		if !tol.Within(float64(got[i]), float64(want[i])) {
			return i, false
		}
	}
	return -1, true
}

// at formats the multi-index of flat index i in shape s, such as [1,0,2,3].
func at(s ops.Shape, i int) string {
	if len(s) == 0 || i < 0 || i >= s.Numel() {
		return fmt.Sprintf("[flat %d]", i)
	}
	idx := make([]string, len(s))
	for d := len(s) - 1; d >= 0; d-- {
		idx[d] = fmt.Sprint(i % s[d])
		i /= s[d]
	}
	return "[" + strings.Join(idx, ",") + "]"
}

// maxReported is how many differing elements one failure message lists.
const maxReported = 3

// expectClose reports an error naming the first differing elements, their
// position in shape and both values when got and want do not agree under
// tol. what names the tensor and the case. It reports whether all agree.
func expectClose[G, W Float](t TB, what string, shape ops.Shape, got []G, want []W, tol Tolerance) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d elements, want %d (shape %v)", what, len(got), len(want), shape)
		return false
	}
	first, ok := Close(got, want, tol)
	if ok {
		return true
	}
	var bad []string
	n := 0
	for i := first; i < len(got); i++ {
		if tol.Within(float64(got[i]), float64(want[i])) {
			continue
		}
		n++
		if len(bad) < maxReported {
			bad = append(bad, fmt.Sprintf("%s%s = %.9g, want %.9g (diff %.3g)",
				what, at(shape, i), got[i], want[i], float64(got[i])-float64(want[i])))
		}
	}
	t.Errorf("%s of shape %v: %d of %d elements differ beyond %v:\n\t%s",
		what, shape, n, len(got), tol, strings.Join(bad, "\n\t"))
	return false
}
