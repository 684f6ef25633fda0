package ops

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Error is the error every operation returns for bad arguments: it names
// the operation and says what is wrong.
type Error struct {
	Op  string // operation name, such as "conv2d"
	Msg string
	Err error // ErrNilTensor for a missing tensor, else nil
}

func (e *Error) Error() string { return "ops: " + e.Op + ": " + e.Msg }

// Unwrap returns the sentinel cause, if any.
func (e *Error) Unwrap() error { return e.Err }

func nilErr(op, name string) error {
	return &Error{Op: op, Msg: name + " is nil", Err: ErrNilTensor}
}

func errf(op, format string, args ...any) error {
	return &Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// ErrNilTensor is wrapped by errors about a missing required tensor.
var ErrNilTensor = errors.New("nil tensor")

// need checks that t is a non-nil tensor of the dtype and rank wanted.
func need(op, name string, t *Tensor, dt DType, rank int) error {
	if t == nil {
		return nilErr(op, name)
	}
	if t.dtype != dt {
		return errf(op, "%s is %s, want %s", name, t, dt)
	}
	if rank >= 0 && len(t.shape) != rank {
		return errf(op, "%s is %s, want rank %d", name, t, rank)
	}
	return nil
}

// needShape checks that t is a non-nil tensor of the dtype and shape
// wanted. want does not escape (the message formats a copy), so callers'
// shape literals stay on the stack.
func needShape(op, name string, t *Tensor, dt DType, want Shape) error {
	if err := need(op, name, t, dt, len(want)); err != nil {
		return err
	}
	if !t.shape.Equal(want) {
		return errf(op, "%s is %s, want %s%s", name, t, dt, want.Clone())
	}
	return nil
}

// CheckSame checks that every tensor is an F32 tensor of the first one's shape.
func CheckSame(op string, names []string, ts ...*Tensor) error {
	if err := need(op, names[0], ts[0], F32, -1); err != nil {
		return err
	}
	for i := 1; i < len(ts); i++ {
		if err := needShape(op, names[i], ts[i], F32, ts[0].shape); err != nil {
			return err
		}
	}
	return nil
}

// CheckCopy validates Copy.
func CheckCopy(dst, src *Tensor) error {
	if err := need("copy", "dst", dst, F32, -1); err != nil {
		return err
	}
	if err := need("copy", "src", src, F32, -1); err != nil {
		return err
	}
	if dst.Numel() != src.Numel() {
		return errf("copy", "dst %s and src %s differ in size", dst, src)
	}
	return nil
}

// ConvOut returns the output extent of a convolution along one dimension.
func ConvOut(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }

// CheckConv2D validates a convolution's tensors against x and w and
// returns the output height and width. Every tensor but b is required;
// the backward checks pass their gradients in the same positions.
func CheckConv2D(op string, x, w, b, y *Tensor, s ConvSpec) (oh, ow int, err error) {
	if err := need(op, "x", x, F32, 4); err != nil {
		return 0, 0, err
	}
	if err := need(op, "w", w, F32, 4); err != nil {
		return 0, 0, err
	}
	if s.Stride < 1 || s.Padding < 0 {
		return 0, 0, errf(op, "stride %d and padding %d: want stride >= 1 and padding >= 0", s.Stride, s.Padding)
	}
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	o, ci, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	if ci != c {
		return 0, 0, errf(op, "x %s has %d channels but w %s expects %d", x, c, w, ci)
	}
	if h+2*s.Padding < kh || wd+2*s.Padding < kw {
		return 0, 0, errf(op, "kernel %dx%d larger than padded input %dx%d", kh, kw, h+2*s.Padding, wd+2*s.Padding)
	}
	oh, ow = ConvOut(h, kh, s.Stride, s.Padding), ConvOut(wd, kw, s.Stride, s.Padding)
	if b != nil {
		if err := needShape(op, "b", b, F32, Shape{o}); err != nil {
			return 0, 0, err
		}
	}
	if err := needShape(op, "y", y, F32, Shape{n, o, oh, ow}); err != nil {
		return 0, 0, err
	}
	return oh, ow, nil
}

// CheckConv2DBackwardData validates Conv2DBackwardData: dx fixes the
// input shape, w the kernel, dy must be the matching output gradient.
func CheckConv2DBackwardData(dx, dy, w *Tensor, s ConvSpec) error {
	_, _, err := CheckConv2D("conv2d_backward_data", dx, w, nil, dy, s)
	return err
}

// CheckConv2DBackwardFilter validates Conv2DBackwardFilter.
func CheckConv2DBackwardFilter(dw, db, x, dy *Tensor, s ConvSpec) error {
	_, _, err := CheckConv2D("conv2d_backward_filter", x, dw, db, dy, s)
	return err
}

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

// CheckMaxPool2D validates a max pool with kernel and stride k.
func CheckMaxPool2D(op string, x, y *Tensor, k int) error {
	if err := need(op, "x", x, F32, 4); err != nil {
		return err
	}
	if k < 1 {
		return errf(op, "kernel %d: want >= 1", k)
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	if h < k || w < k {
		return errf(op, "x %s smaller than kernel %d", x, k)
	}
	return needShape(op, "y", y, F32, Shape{n, c, h / k, w / k})
}

// CheckDropout validates a dropout probability and shapes.
func CheckDropout(op string, x, y *Tensor, s DropoutSpec) error {
	if err := CheckSame(op, []string{"x", "y"}, x, y); err != nil {
		return err
	}
	if !(s.P >= 0 && s.P < 1) {
		return errf(op, "p = %g: want 0 <= p < 1", s.P)
	}
	if uint64(x.Numel()) > math.MaxUint32 {
		return errf(op, "x %s has more elements than the mask counter can index", x)
	}
	return nil
}

// CheckLinear validates a linear layer's tensors; b may be nil.
func CheckLinear(op string, x, w, b, y *Tensor) error {
	if err := need(op, "x", x, F32, 2); err != nil {
		return err
	}
	if err := need(op, "w", w, F32, 2); err != nil {
		return err
	}
	if x.shape[1] != w.shape[1] {
		return errf(op, "x %s has %d features but w %s expects %d", x, x.shape[1], w, w.shape[1])
	}
	if b != nil {
		if err := needShape(op, "b", b, F32, Shape{w.shape[0]}); err != nil {
			return err
		}
	}
	return needShape(op, "y", y, F32, Shape{x.shape[0], w.shape[0]})
}

// CheckLoss validates a classification loss: logits [N,C] with C >= 1,
// labels I32 [N], and loss [1] (the backward checks pass dloss there).
func CheckLoss(op string, logits, labels, loss *Tensor) error {
	if err := need(op, "logits", logits, F32, 2); err != nil {
		return err
	}
	if err := needShape(op, "labels", labels, I32, Shape{logits.shape[0]}); err != nil {
		return err
	}
	return needShape(op, "loss", loss, F32, Shape{1})
}

// CheckLabels checks that every label lies in [0, classes) and names the
// first row that does not.
func CheckLabels(op string, labels []int32, classes int) error {
	for i, l := range labels {
		if l < 0 || int(l) >= classes {
			return errf(op, "label %d of row %d is outside the %d classes", l, i, classes)
		}
	}
	return nil
}

// CheckFocal validates the focal loss's parameters.
func CheckFocal(op string, s FocalSpec) error {
	if !(s.Gamma >= 0) || !(s.Alpha >= 0 && s.Alpha <= 1) {
		return errf(op, "gamma %g and alpha %g: want gamma >= 0 and alpha in [0,1]", s.Gamma, s.Alpha)
	}
	return nil
}

// CheckWeightedSum validates WeightedSum.
func CheckWeightedSum(out *Tensor, losses []*Tensor, weights []float32) error {
	const op = "weighted_sum"
	if err := needShape(op, "out", out, F32, Shape{1}); err != nil {
		return err
	}
	if len(losses) == 0 || len(losses) != len(weights) {
		return errf(op, "%d losses and %d weights: want the same non-zero number", len(losses), len(weights))
	}
	for i, l := range losses {
		if l == nil || l.dtype != F32 || !l.shape.Equal(Shape{1}) {
			// The name is built only here: Sprintf allocates.
			return needShape(op, fmt.Sprintf("losses[%d]", i), l, F32, Shape{1})
		}
	}
	return nil
}

// CheckAdam validates an Adam step.
func CheckAdam(p, g, m, v *Tensor, s AdamSpec) error {
	const op = "adam"
	if err := CheckSame(op, []string{"p", "g", "m", "v"}, p, g, m, v); err != nil {
		return err
	}
	if s.Step < 1 || !(s.LR >= 0) || !(s.Beta1 >= 0 && s.Beta1 < 1) || !(s.Beta2 >= 0 && s.Beta2 < 1) || !(s.Eps >= 0) {
		return errf(op, "step %d lr %g betas (%g, %g) eps %g out of range", s.Step, s.LR, s.Beta1, s.Beta2, s.Eps)
	}
	if s.Guard != nil {
		return needShape(op, "guard", s.Guard, F32, Shape{1})
	}
	return nil
}

// AdamConsts are the float32 constants of one Adam step, computed once in
// float64 on the host (as PyTorch does) so that every backend uses the same
// values. The update of each element, in this order, is
//
//	m = Beta1*m + OneMinusBeta1*g
//	v = Beta2*v + OneMinusBeta2*g*g
//	p = p - StepSize * m / (sqrt(v)/SqrtBias2 + Eps)
type AdamConsts struct {
	Beta1, Beta2                 float32
	OneMinusBeta1, OneMinusBeta2 float32
	StepSize                     float32 // lr / (1 - beta1^t)
	SqrtBias2                    float32 // sqrt(1 - beta2^t)
	Eps                          float32
}

// Consts returns the step's float32 constants.
func (s AdamSpec) Consts() AdamConsts {
	t := float64(s.Step)
	return AdamConsts{
		Beta1:         float32(s.Beta1),
		Beta2:         float32(s.Beta2),
		OneMinusBeta1: float32(1 - s.Beta1),
		OneMinusBeta2: float32(1 - s.Beta2),
		StepSize:      float32(s.LR / (1 - math.Pow(s.Beta1, t))),
		SqrtBias2:     float32(math.Sqrt(1 - math.Pow(s.Beta2, t))),
		Eps:           float32(s.Eps),
	}
}

// CheckArgmax validates Argmax.
func CheckArgmax(pred, logits *Tensor) error {
	if err := need("argmax", "logits", logits, F32, 2); err != nil {
		return err
	}
	return needShape("argmax", "pred", pred, I32, Shape{logits.shape[0]})
}

// Reshape returns a view of t with a new shape of the same size; it
// shares t's storage and must not be freed separately.
func Reshape(t *Tensor, shape Shape) (*Tensor, error) {
	if t == nil {
		return nil, nilErr("reshape", "tensor")
	}
	if !shape.Valid() || shape.Numel() != t.Numel() {
		return nil, errf("reshape", "cannot view %s as %s", t, shape)
	}
	v := NewTensor(t.owner, t.dtype, shape, t.storage)
	return v, nil
}
