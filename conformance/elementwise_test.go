package conformance

// The broken element-wise operations that Elementwise and Large must catch.

import "github.com/wgtrain/wgtrain/ops"

type addTwiceA struct{ ops.Backend }

func (b addTwiceA) Add(dst, a, _ *ops.Tensor) error { return b.Backend.Add(dst, a, a) }

// reluTruncated leaves elements past 65,535 workgroups of 64 unwritten, as
// a GPU backend with a one-dimensional dispatch would.
type reluTruncated struct{ ops.Backend }

func (b reluTruncated) ReLU(y, x *ops.Tensor) error {
	return leaveUnwritten(b, y, 65535*64, func() error { return b.Backend.ReLU(y, x) })
}

var elementwiseMutants = []mutant{
	{"add_twice_a", Elementwise, addTwiceA{cpu}, []string{"Add("}},
	{"relu_truncated", Large, reluTruncated{cpu}, []string{"ReLU(x [3,5,300,1001])"}},
}
