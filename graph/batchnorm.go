package graph

import (
	"github.com/wgtrain/wgtrain/ops"
)

// BatchNorm2d is PyTorch's nn.BatchNorm2d with affine parameters and
// running statistics (eps 1e-5, momentum 0.1 by default).
type BatchNorm2d struct {
	Name                    string
	Weight, Bias            *Param // gamma and beta
	RunningMean, RunningVar *Param
	// NumBatchesTracked counts training batches, as PyTorch does.
	NumBatchesTracked int64
	Spec              ops.BatchNormSpec
	// fused is this batch norm and the ReLU after it as one operation,
	// when Sequential.Forward fuses them (batchnorm_relu.go).
	fused bnReLU
	// fusedPool is this batch norm, the ReLU and the max pooling after
	// it as one operation (batchnorm_relu_pool.go).
	fusedPool bnReLUPool
}

// NewBatchNorm2d allocates a batch norm over c channels with PyTorch's
// initial values: weight 1, bias 0, running mean 0, running var 1.
func NewBatchNorm2d(b ops.Backend, name string, c int) (*BatchNorm2d, error) {
	l := &BatchNorm2d{Name: name, Spec: ops.DefaultBatchNorm}
	var err error
	shape := ops.Shape{c}
	if l.Weight, err = newParam(b, name+".weight", shape, true); err != nil {
		return nil, err
	}
	if l.Bias, err = newParam(b, name+".bias", shape, true); err != nil {
		return nil, err
	}
	if l.RunningMean, err = newParam(b, name+".running_mean", shape, false); err != nil {
		return nil, err
	}
	if l.RunningVar, err = newParam(b, name+".running_var", shape, false); err != nil {
		return nil, err
	}
	if err := l.Reset(b); err != nil {
		return nil, err
	}
	return l, nil
}

// Reset restores PyTorch's initial values.
func (l *BatchNorm2d) Reset(b ops.Backend) error {
	l.NumBatchesTracked = 0
	for _, f := range []struct {
		t *ops.Tensor
		v float32
	}{{l.Weight.Value, 1}, {l.Bias.Value, 0}, {l.RunningMean.Value, 0}, {l.RunningVar.Value, 1}} {
		if err := b.Fill(f.t, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Forward normalizes x: with batch statistics (updating the running ones)
// when training, with the running statistics otherwise.
func (l *BatchNorm2d) Forward(c *Context, x *Var) (*Var, error) {
	y, err := c.newAct(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if !c.Train {
		err := c.B.BatchNormEval(y.Value, x.Value, l.Weight.Value, l.Bias.Value, l.RunningMean.Value, l.RunningVar.Value, l.Spec)
		return y, layerErr(l.Name, "batchnorm_eval", err)
	}
	mean, invStd, err := l.batchStats(c)
	if err != nil {
		return nil, err
	}
	if err := c.B.BatchNormTrain(y.Value, mean, invStd, x.Value, l.Weight.Value, l.Bias.Value,
		l.RunningMean.Value, l.RunningVar.Value, l.Spec); err != nil {
		return nil, layerErr(l.Name, "batchnorm_train", err)
	}
	l.NumBatchesTracked++
	c.record(node{op: l, x: x, y: y, w: c.paramVar(l.Weight), b: c.paramVar(l.Bias), t1: mean, t2: invStd})
	return y, nil
}

// batchStats returns the pass's tensors for a training forward's batch
// mean and inverse standard deviation, one per channel, which the
// backward pass reads (the plain and the fused forms alike).
func (l *BatchNorm2d) batchStats(c *Context) (mean, invStd *ops.Tensor, err error) {
	ch := l.Weight.Value.Shape()
	if mean, err = c.alloc(ops.F32, ch, false); err != nil {
		return nil, nil, err
	}
	invStd, err = c.alloc(ops.F32, ch, false)
	return mean, invStd, err
}

func (l *BatchNorm2d) backward(c *Context, n *node) error {
	dg, db, err := c.paramGrads(n)
	if err != nil {
		return err
	}
	dx, err := c.gradTarget(n.x)
	if err != nil {
		return err
	}
	if err := c.B.BatchNormBackward(dx, dg, db, n.x.Value, n.y.grad, n.t1, n.t2, l.Weight.Value); err != nil {
		return layerErr(l.Name, "batchnorm_backward", err)
	}
	if err := c.commitParams(n, dg, db); err != nil {
		return err
	}
	return c.commit(n.x, dx)
}

// State lists weight, bias, running_mean, running_var, num_batches_tracked.
func (l *BatchNorm2d) State(out []StateEntry) []StateEntry {
	return append(out, l.Weight.entry(), l.Bias.entry(), l.RunningMean.entry(), l.RunningVar.entry(),
		StateEntry{Name: l.Name + ".num_batches_tracked", Count: &l.NumBatchesTracked})
}

// Params lists weight, bias and the running statistics.
func (l *BatchNorm2d) Params(out []*Param) []*Param {
	return append(out, l.Weight, l.Bias, l.RunningMean, l.RunningVar)
}
