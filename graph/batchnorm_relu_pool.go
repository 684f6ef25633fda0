package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// bnReLUPool is a BatchNorm2d, the ReLU after it and the MaxPool2d after
// that, run as one fused operation on a backend that has it
// (ops.BatchNormReLUPoolBackend): Sequential.Forward uses it for every
// such triple of adjacent modules, so the model's modules and state are
// those of the unfused three. The ReLU's full-resolution output is never
// made: the forward saves the pooled output and the index of each
// window's winner, which is all the backward needs.
type bnReLUPool struct {
	bn   *BatchNorm2d
	relu *ReLU
	pool *MaxPool2d
}

// fuseBNReLUPool returns the fused triple when modules a, b, p are a
// BatchNorm2d, a ReLU and a MaxPool2d and the backend fuses them.
func fuseBNReLUPool(be ops.Backend, a, b, p Module) (*bnReLUPool, ops.BatchNormReLUPoolBackend, bool) {
	bn, ok := a.(*BatchNorm2d)
	if !ok {
		return nil, nil, false
	}
	r, ok := b.(*ReLU)
	if !ok {
		return nil, nil, false
	}
	pool, ok := p.(*MaxPool2d)
	if !ok {
		return nil, nil, false
	}
	f, ok := be.(ops.BatchNormReLUPoolBackend)
	if !ok {
		return nil, nil, false
	}
	bn.fusedPool = bnReLUPool{bn: bn, relu: r, pool: pool} // kept in bn: a forward pass allocates nothing
	return &bn.fusedPool, f, true
}

// forward writes maxpool(relu(batchnorm(x))) in one operation.
func (l *bnReLUPool) forward(c *Context, f ops.BatchNormReLUPoolBackend, x *Var) (*Var, error) {
	bn, k := l.bn, l.pool.K
	s := x.Value.Shape()
	if len(s) != 4 || k < 1 || s[2] < k || s[3] < k {
		return nil, layerErr(l.pool.Name, "maxpool2d", fmt.Errorf("input %v too small for kernel %d", x.Value, k))
	}
	pooled := ops.Shape{s[0], s[1], s[2] / k, s[3] / k}
	y, err := c.newAct(pooled, true)
	if err != nil {
		return nil, err
	}
	if !c.Train {
		err := f.BatchNormReLUPoolEval(y.Value, x.Value, bn.Weight.Value, bn.Bias.Value, bn.RunningMean.Value, bn.RunningVar.Value, bn.Spec, k)
		return y, layerErr(bn.Name, "batchnorm_relu_pool_eval", err)
	}
	mean, invStd, err := bn.batchStats(c)
	if err != nil {
		return nil, err
	}
	idx, err := c.alloc(ops.I32, pooled, false)
	if err != nil {
		return nil, err
	}
	if err := f.BatchNormReLUPoolTrain(y.Value, idx, mean, invStd, x.Value, bn.Weight.Value, bn.Bias.Value,
		bn.RunningMean.Value, bn.RunningVar.Value, bn.Spec, k); err != nil {
		return nil, layerErr(bn.Name, "batchnorm_relu_pool_train", err)
	}
	bn.NumBatchesTracked++
	c.record(node{op: l, x: x, y: y, w: c.paramVar(bn.Weight), b: c.paramVar(bn.Bias), t1: mean, t2: invStd, t3: idx})
	return y, nil
}

func (l *bnReLUPool) backward(c *Context, n *node) error {
	f := c.B.(ops.BatchNormReLUPoolBackend)
	dg, db, err := c.paramGrads(n)
	if err != nil {
		return err
	}
	dx, err := c.gradTarget(n.x)
	if err != nil {
		return err
	}
	if err := f.BatchNormReLUPoolBackward(dx, dg, db, n.x.Value, n.t3, n.y.grad, n.t1, n.t2, l.bn.Weight.Value, l.pool.K); err != nil {
		return layerErr(l.bn.Name, "batchnorm_relu_pool_backward", err)
	}
	if err := c.commitParams(n, dg, db); err != nil {
		return err
	}
	return c.commit(n.x, dx)
}
