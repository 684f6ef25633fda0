package conformance

import "github.com/wgtrain/wgtrain/ops"

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
	{"ReLU", ReLU},
	{"MaxPool2D", MaxPool2D},
	{"Dropout", Dropout},
	{"Linear", Linear},
	{"CrossEntropy", CrossEntropy},
	{"SigmoidFocal", SigmoidFocal},
	{"WeightedSum", WeightedSum},
	{"Adam", Adam},
	{"Argmax", Argmax},
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
