package ops

import "math"

// CrossEntropy writes the batch mean of the label-smoothed cross-entropy
// (1-eps)*(lse - x[label]) + eps*(lse - mean_j x[j]), eps = s.Smoothing.
func (c *CPU) CrossEntropy(loss, logits, labels *Tensor, s CrossEntropySpec) error {
	const op = "cross_entropy"
	if err := c.mine(op, loss, logits, labels); err != nil {
		return err
	}
	a, err := lossArgs(op, logits, labels, loss, CheckCrossEntropy(op, s))
	if err != nil {
		return err
	}
	eps := float64(s.Smoothing)
	var total float64
	for i := 0; i < a.n; i++ {
		row := a.x[i*a.k : (i+1)*a.k]
		lse := logSumExp(row)
		l := lse - float64(row[a.y[i]])
		if eps != 0 {
			var sum float64
			for _, v := range row {
				sum += float64(v)
			}
			l = (1-eps)*l + eps*(lse-sum/float64(a.k))
		}
		total += l
	}
	f32(loss)[0] = float32(total / float64(a.n))
	return nil
}

// CrossEntropyBackward writes dlogits = dloss * (softmax - target) / N
// with target = (1-eps)*onehot + eps/C, eps = s.Smoothing.
func (c *CPU) CrossEntropyBackward(dlogits, logits, labels, dloss *Tensor, s CrossEntropySpec) error {
	const op = "cross_entropy_backward"
	if err := c.mine(op, dlogits, logits, labels, dloss); err != nil {
		return err
	}
	a, err := lossGradArgs(op, dlogits, logits, labels, dloss, CheckCrossEntropy(op, s))
	if err != nil {
		return err
	}
	eps := float64(s.Smoothing)
	off := eps / float64(a.k)
	for i := 0; i < a.n; i++ {
		row := a.x[i*a.k : (i+1)*a.k]
		lse := logSumExp(row)
		for j, v := range row {
			p := math.Exp(float64(v)-lse) - off
			if j == int(a.y[i]) {
				p -= 1 - eps
			}
			a.g[i*a.k+j] = float32(p * a.scale)
		}
	}
	return nil
}

// logSumExp returns log(sum(exp(row))) computed stably in float64.
func logSumExp(row []float32) float64 {
	m := float64(row[0])
	for _, v := range row[1:] {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// SigmoidFocal writes the tutorial's focal loss: the one-vs-rest sigmoid
// focal loss summed over classes and averaged over rows.
func (c *CPU) SigmoidFocal(loss, logits, labels *Tensor, s FocalSpec) error {
	const op = "sigmoid_focal"
	if err := c.mine(op, loss, logits, labels); err != nil {
		return err
	}
	a, err := lossArgs(op, logits, labels, loss, CheckFocal(op, s))
	if err != nil {
		return err
	}
	var total float64
	for i := 0; i < a.n; i++ {
		for j := 0; j < a.k; j++ {
			l, _ := focalTerm(float64(a.x[i*a.k+j]), j == int(a.y[i]), s)
			total += l
		}
	}
	f32(loss)[0] = float32(total / float64(a.n))
	return nil
}

// SigmoidFocalBackward writes dlogits = dloss * d(focal)/d(logits).
func (c *CPU) SigmoidFocalBackward(dlogits, logits, labels, dloss *Tensor, s FocalSpec) error {
	const op = "sigmoid_focal_backward"
	if err := c.mine(op, dlogits, logits, labels, dloss); err != nil {
		return err
	}
	a, err := lossGradArgs(op, dlogits, logits, labels, dloss, CheckFocal(op, s))
	if err != nil {
		return err
	}
	for i := 0; i < a.n; i++ {
		for j := 0; j < a.k; j++ {
			_, d := focalTerm(float64(a.x[i*a.k+j]), j == int(a.y[i]), s)
			a.g[i*a.k+j] = float32(d * a.scale)
		}
	}
	return nil
}

// focalTerm returns the focal loss of one logit and its derivative, for
// target t (1 or 0): see docs/SPEC.md §3.
func focalTerm(x float64, target bool, s FocalSpec) (loss, grad float64) {
	gamma, alpha := float64(s.Gamma), float64(s.Alpha)
	sign, w := -1.0, 1-alpha
	if target {
		sign, w = 1, alpha
	}
	// logpt = log sigmoid(sign*x), stably; 1-pt = -expm1(logpt).
	z := sign * x
	logpt := math.Min(z, 0) - math.Log1p(math.Exp(-math.Abs(z)))
	pt := math.Exp(logpt)
	q := -math.Expm1(logpt)
	mod := math.Pow(q, gamma)
	loss = -mod * logpt * w
	grad = w * sign * mod * (gamma*pt*logpt - q)
	return loss, grad
}

// lossCall is a loss operation's checked arguments: the logits x, n rows
// of k classes, and the labels y; for a backward pass also the output
// gradient g and the factor dloss/n by which each term's derivative is
// multiplied.
type lossCall struct {
	x     []float32
	y     []int32
	n, k  int
	g     []float32
	scale float64
}

// lossArgs checks a loss operation's arguments, in this order: logits,
// labels and loss with CheckLoss, the labels' values, and then returns
// spec, the result of checking the loss's parameters (CheckCrossEntropy
// or CheckFocal).
func lossArgs(op string, logits, labels, loss *Tensor, spec error) (a lossCall, err error) {
	if err = CheckLoss(op, logits, labels, loss); err != nil {
		return a, err
	}
	a.n, a.k = logits.shape[0], logits.shape[1]
	a.x, a.y = f32(logits), i32(labels)
	if err = CheckLabels(op, a.y, a.k); err != nil {
		return a, err
	}
	return a, spec
}

// lossGradArgs checks a loss's backward pass: lossArgs with dloss in the
// place of loss, then dlogits against the logits' shape.
func lossGradArgs(op string, dlogits, logits, labels, dloss *Tensor, spec error) (a lossCall, err error) {
	if a, err = lossArgs(op, logits, labels, dloss, spec); err != nil {
		return a, err
	}
	if err = needShape(op, "dlogits", dlogits, F32, logits.shape); err != nil {
		return a, err
	}
	a.g, a.scale = f32(dlogits), float64(f32(dloss)[0])/float64(a.n)
	return a, nil
}

// WeightedSum writes out = sum_k weights[k]*losses[k].
func (c *CPU) WeightedSum(out *Tensor, losses []*Tensor, weights []float32) error {
	const op = "weighted_sum"
	if err := c.mine(op, out); err != nil {
		return err
	}
	if err := c.mine(op, losses...); err != nil {
		return err
	}
	if err := CheckWeightedSum(out, losses, weights); err != nil {
		return err
	}
	var s float64
	for i, l := range losses {
		s += float64(weights[i]) * float64(f32(l)[0])
	}
	f32(out)[0] = float32(s)
	return nil
}
