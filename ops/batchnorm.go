package ops

import (
	"slices"
	"strings"
)

// BatchNormSpec holds batch norm's epsilon and running-average momentum.
type BatchNormSpec struct {
	Eps      float32 // added to the variance before its square root
	Momentum float32 // weight of the batch statistics in the running ones
}

// DefaultBatchNorm is PyTorch's BatchNorm2d default: eps 1e-5, momentum 0.1.
var DefaultBatchNorm = BatchNormSpec{Eps: 1e-5, Momentum: 0.1}

// CheckBatchNorm validates batch norm tensors: x and y NCHW of one shape,
// every per-channel tensor [C] (a nil one is an error), checked in the
// order of their names.
func CheckBatchNorm(op string, x, y *Tensor, perChannel map[string]*Tensor, s BatchNormSpec) error {
	per := make([]namedTensor, 0, len(perChannel))
	for name, t := range perChannel {
		per = append(per, namedTensor{name, t})
	}
	slices.SortFunc(per, func(a, b namedTensor) int { return strings.Compare(a.name, b.name) })
	return checkBatchNorm(op, x, y, s, per...)
}

// namedTensor is a tensor argument with the name error messages give it.
type namedTensor struct {
	name string
	t    *Tensor
}

// checkBatchNorm is CheckBatchNorm with the per-channel tensors checked
// in the order given, and without a map, so that it allocates nothing.
func checkBatchNorm(op string, x, y *Tensor, s BatchNormSpec, perChannel ...namedTensor) error {
	if err := need(op, "x", x, F32, 4); err != nil {
		return err
	}
	if err := needShape(op, "y", y, F32, x.shape); err != nil {
		return err
	}
	c := Shape{x.shape[1]}
	for _, p := range perChannel {
		if err := needShape(op, p.name, p.t, F32, c); err != nil {
			return err
		}
	}
	if !(s.Eps > 0) || s.Momentum < 0 || s.Momentum > 1 {
		return errf(op, "eps %g and momentum %g: want eps > 0 and momentum in [0,1]", s.Eps, s.Momentum)
	}
	return nil
}
