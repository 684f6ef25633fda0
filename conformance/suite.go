package conformance

// The suite itself: TB, the families and RunAll, and how cases become
// subtests.

import (
	"fmt"
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

// Family is one exported check of the suite, such as Conv2D.
type Family struct {
	Name  string
	Check func(t TB, b ops.Backend)
}

// Families lists every check RunAll runs, in order.
var Families = []Family{
	{"Elementwise", Elementwise},
	{"Large", Large},
	{"Conv2D", Conv2D},
	{"BatchNorm", BatchNorm},
	{"BatchNormReLU", BatchNormReLU},
	{"BatchNormReLUPool", BatchNormReLUPool},
	{"ReLU", ReLU},
	{"MaxPool2D", MaxPool2D},
	{"Dropout", Dropout},
	{"Linear", Linear},
	{"GEMM", GEMM},
	{"CrossEntropy", CrossEntropy},
	{"SigmoidFocal", SigmoidFocal},
	{"WeightedSum", WeightedSum},
	{"Adam", Adam},
	{"SGD", SGD},
	{"Views", Views},
	{"Argmax", Argmax},
	{"Gather", Gather},
	{"Errors", Errors},
	{"Golden", Golden},
	{"ResNet9Golden", ResNet9Golden},
}

// RunAll runs every check of the suite on b, each family as a subtest of
// t named after it (see Families).
func RunAll(t TB, b ops.Backend) {
	t.Helper()
	for _, f := range Families {
		run(t, f.Name, func(t TB) { f.Check(t, b) })
	}
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

// runCases runs check on b for each case, as a subtest named prefix and
// the case's String.
func runCases[C fmt.Stringer](t TB, b ops.Backend, prefix string, cases []C, check func(TB, ops.Backend, C)) {
	t.Helper()
	for _, c := range cases {
		run(t, prefix+c.String(), func(t TB) { check(t, b, c) })
	}
}

// shapeName formats a shape for a subtest name, such as 2x3x5.
func shapeName(s ops.Shape) string {
	name := ""
	for i, d := range s {
		if i > 0 {
			name += "x"
		}
		name += fmt.Sprint(d)
	}
	return name
}
