package ops

import "math"

// CrossEntropy writes the batch mean of -log_softmax(logits)[label].
func (c *CPU) CrossEntropy(loss, logits, labels *Tensor) error {
	if err := c.mine("CrossEntropy", loss, logits, labels); err != nil {
		return err
	}
	x, y, n, k, err := c.lossArgs("cross_entropy", logits, labels, loss)
	if err != nil {
		return err
	}
	var total float64
	for i := 0; i < n; i++ {
		row := x[i*k : (i+1)*k]
		total += logSumExp(row) - float64(row[y[i]])
	}
	f32(loss)[0] = float32(total / float64(n))
	return nil
}

// CrossEntropyBackward writes dlogits = dloss * (softmax - onehot) / N.
func (c *CPU) CrossEntropyBackward(dlogits, logits, labels, dloss *Tensor) error {
	if err := c.mine("CrossEntropyBackward", dlogits, logits, labels, dloss); err != nil {
		return err
	}
	const op = "cross_entropy_backward"
	x, y, n, k, err := c.lossArgs(op, logits, labels, dloss)
	if err != nil {
		return err
	}
	if err := needShape(op, "dlogits", dlogits, F32, logits.shape); err != nil {
		return err
	}
	up := float64(f32(dloss)[0])
	g := f32(dlogits)
	scale := up / float64(n)
	for i := 0; i < n; i++ {
		row := x[i*k : (i+1)*k]
		lse := logSumExp(row)
		for j, v := range row {
			p := math.Exp(float64(v) - lse)
			if j == int(y[i]) {
				p--
			}
			g[i*k+j] = float32(p * scale)
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
	if err := c.mine("SigmoidFocal", loss, logits, labels); err != nil {
		return err
	}
	const op = "sigmoid_focal"
	x, y, n, k, err := c.lossArgs(op, logits, labels, loss)
	if err != nil {
		return err
	}
	if err := CheckFocal(op, s); err != nil {
		return err
	}
	var total float64
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			l, _ := focalTerm(float64(x[i*k+j]), j == int(y[i]), s)
			total += l
		}
	}
	f32(loss)[0] = float32(total / float64(n))
	return nil
}

// SigmoidFocalBackward writes dlogits = dloss * d(focal)/d(logits).
func (c *CPU) SigmoidFocalBackward(dlogits, logits, labels, dloss *Tensor, s FocalSpec) error {
	if err := c.mine("SigmoidFocalBackward", dlogits, logits, labels, dloss); err != nil {
		return err
	}
	const op = "sigmoid_focal_backward"
	x, y, n, k, err := c.lossArgs(op, logits, labels, dloss)
	if err != nil {
		return err
	}
	if err := CheckFocal(op, s); err != nil {
		return err
	}
	if err := needShape(op, "dlogits", dlogits, F32, logits.shape); err != nil {
		return err
	}
	up := float64(f32(dloss)[0])
	g := f32(dlogits)
	scale := up / float64(n)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			_, d := focalTerm(float64(x[i*k+j]), j == int(y[i]), s)
			g[i*k+j] = float32(d * scale)
		}
	}
	return nil
}

// focalTerm returns the focal loss of one logit and its derivative, for
// target t (1 or 0): see REFERENCE.md section 3.
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

// lossArgs validates a loss's tensors and labels and returns the logits,
// the labels, the number of rows and the number of classes.
func (c *CPU) lossArgs(op string, logits, labels, loss *Tensor) (x []float32, y []int32, n, k int, err error) {
	if err = CheckLoss(op, logits, labels, loss); err != nil {
		return
	}
	n, k = logits.shape[0], logits.shape[1]
	y = i32(labels)
	if err = CheckLabels(op, y, k); err != nil {
		return
	}
	return f32(logits), y, n, k, nil
}

// WeightedSum writes out = sum_k weights[k]*losses[k].
func (c *CPU) WeightedSum(out *Tensor, losses []*Tensor, weights []float32) error {
	if err := c.mine("WeightedSum", out); err != nil {
		return err
	}
	if err := c.mine("WeightedSum", losses...); err != nil {
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
