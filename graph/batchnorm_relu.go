package graph

import "github.com/wgtrain/wgtrain/ops"

// bnReLU is a BatchNorm2d followed by a ReLU, run as one fused operation
// on a backend that has them (ops.BatchNormReLUBackend): Sequential.Forward
// uses it for every such pair of adjacent modules, so the model's modules
// and state are those of the unfused pair.
type bnReLU struct {
	bn   *BatchNorm2d
	relu *ReLU
}

// fuseBNReLU returns the fused pair when modules a, b are a BatchNorm2d
// and a ReLU and the backend fuses them.
func fuseBNReLU(be ops.Backend, a, b Module) (*bnReLU, ops.BatchNormReLUBackend, bool) {
	bn, ok := a.(*BatchNorm2d)
	if !ok {
		return nil, nil, false
	}
	r, ok := b.(*ReLU)
	if !ok {
		return nil, nil, false
	}
	f, ok := be.(ops.BatchNormReLUBackend)
	if !ok {
		return nil, nil, false
	}
	bn.fused = bnReLU{bn: bn, relu: r} // kept in bn: a forward pass allocates nothing
	return &bn.fused, f, true
}

// forward writes relu(batchnorm(x)) in one operation.
func (l *bnReLU) forward(c *Context, f ops.BatchNormReLUBackend, x *Var) (*Var, error) {
	bn := l.bn
	y, err := c.newAct(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if !c.Train {
		err := f.BatchNormReLUEval(y.Value, x.Value, bn.Weight.Value, bn.Bias.Value, bn.RunningMean.Value, bn.RunningVar.Value, bn.Spec)
		return y, layerErr(bn.Name, "batchnorm_relu_eval", err)
	}
	mean, invStd, err := bn.batchStats(c)
	if err != nil {
		return nil, err
	}
	if err := f.BatchNormReLUTrain(y.Value, mean, invStd, x.Value, bn.Weight.Value, bn.Bias.Value,
		bn.RunningMean.Value, bn.RunningVar.Value, bn.Spec); err != nil {
		return nil, layerErr(bn.Name, "batchnorm_relu_train", err)
	}
	bn.NumBatchesTracked++
	c.record(node{op: l, x: x, y: y, w: c.paramVar(bn.Weight), b: c.paramVar(bn.Bias), t1: mean, t2: invStd})
	return y, nil
}

func (l *bnReLU) backward(c *Context, n *node) error {
	f := c.B.(ops.BatchNormReLUBackend)
	dg, db, err := c.paramGrads(n)
	if err != nil {
		return err
	}
	dx, err := c.gradTarget(n.x)
	if err != nil {
		return err
	}
	if err := f.BatchNormReLUBackward(dx, dg, db, n.x.Value, n.y.Value, n.y.grad, n.t1, n.t2, l.bn.Weight.Value); err != nil {
		return layerErr(l.bn.Name, "batchnorm_relu_backward", err)
	}
	if err := c.commitParams(n, dg, db); err != nil {
		return err
	}
	return c.commit(n.x, dx)
}
