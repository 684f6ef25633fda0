package conformance

// The suite's comparison rule, its stated tolerances, and the checks that
// report where a backend's tensor differs from the expected values.

import (
	"fmt"
	"math"
	"strings"

	"github.com/wgtrain/wgtrain/ops"
)

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
	// HalfTol compares an operation whose activations are stored as
	// binary16 (the WebGPU backend's --precision f16) with the CPU
	// backend's float32 result on the same binary16-rounded inputs, both
	// divided by the larger of 1 and the largest magnitude of the CPU
	// result: two binary16 roundings apart (the output's, 2^-11
	// relative, and the conversion's own, which may truncate) plus the
	// float32 accumulation order, relative to the tensor's scale.
	HalfTol = Tolerance{RTol: 1e-3, ATol: 1e-3}
)

// exact is the tolerance of operations that must reproduce their inputs
// bit for bit (Fill, Copy, Upload, Download).
var exact = Tolerance{}

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

// expectInts reports the first element where got and want differ.
func expectInts(t TB, what string, shape ops.Shape, got, want []int32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d elements, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: element %s of %v is %d, want %d", what, at(shape, i), shape, got[i], want[i])
			return
		}
	}
}
