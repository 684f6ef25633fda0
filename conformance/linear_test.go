package conformance

// The broken linear layer that Linear must catch.

import "github.com/wgtrain/wgtrain/ops"

type linearNoDb struct{ ops.Backend }

func (b linearNoDb) LinearBackward(dx, dw, _, x, w, dy *ops.Tensor) error {
	return b.Backend.LinearBackward(dx, dw, nil, x, w, dy)
}

var linearMutants = []mutant{
	{"linear_no_db", Linear, linearNoDb{cpu}, []string{"LinearBackward", ": db"}},
}
