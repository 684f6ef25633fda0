package gpu

import (
	"encoding/binary"

	"github.com/wgtrain/wgtrain/ops"
)

// Losses run one workgroup per row: the row's reductions (max, sum of
// exponentials, sum of focal terms) are trees in workgroup memory, each
// row's loss goes to a scratch buffer, and one workgroup averages the
// rows in a fixed order, so results are deterministic. Backward passes
// read dloss on the GPU.
//
// Labels stay on the GPU: a shader that meets a label outside [0, c)
// writes NaN for that row (loss or gradient) and records the row in the
// backend's label record, which syncLabels reads and reports.

// lossOps names the loss operations by their bit in the label record.
var lossOps = [...]string{"cross_entropy", "cross_entropy_backward", "sigmoid_focal", "sigmoid_focal_backward"}

const (
	opCE = iota
	opCEBackward
	opFocal
	opFocalBackward
)

// labelRecord is a backend's record of labels outside the classes: a
// GPU buffer of two words (the complement of the first bad row, and a bit
// per loss operation that met one), and whether a loss has been recorded
// since the host last read it.
type labelRecord struct {
	buf   *buffer
	dirty bool
}

// labelBuf returns the label record's buffer, creating it on first use,
// and marks the record as written. The backend's lock is held.
func (g *Backend) labelBuf() (*buffer, error) {
	if g.labels == nil {
		b, err := g.get(8)
		if err != nil {
			return nil, err
		}
		g.labels = &labelRecord{buf: b}
	}
	g.labels.dirty = true
	return g.labels.buf, nil
}

// syncLabels submits the recorded work and waits for it, like
// g.flush(true), and then reports a label outside the classes that a loss
// recorded since the last call met, as an *ops.Error naming the first
// such row; the record is cleared. It reads the record back only when a
// loss has used it, in the submission it waits for anyway, so it costs
// no extra stall. Backend.Sync calls it.
func (g *Backend) syncLabels() error {
	r := g.labels
	if r == nil || !r.dirty {
		return g.flush(true)
	}
	t := ops.NewTensor(g, ops.I32, ops.Shape{2}, r.buf)
	p, err := g.readBack("sync", t)
	if err != nil {
		return err
	}
	if err := g.flush(true); err != nil {
		return err
	}
	if err := p.wait(); err != nil {
		return err
	}
	r.dirty = false
	row, bits := binary.LittleEndian.Uint32(p.data), binary.LittleEndian.Uint32(p.data[4:])
	if bits == 0 {
		return nil
	}
	if err := g.zero(r.buf); err != nil {
		return err
	}
	op := "loss"
	for k, name := range lossOps {
		if bits&(1<<k) != 0 {
			op = name
			break
		}
	}
	return opErr(op, "the label of row %d is outside the classes (found on the GPU since the last Sync)", ^row)
}

// lossParams is the parameter block of include/loss_rows.wgsl
// (loss_cross_entropy.wgsl and loss_focal.wgsl): N rows of C classes, the
// grid's workgroups (WRow) or invocations (Row) per row, the operation's
// bit in the label record, the focal loss's Gamma and Alpha, and the
// cross-entropy's label Smoothing.
type lossParams struct {
	N, C, WRow, Op uint32
	Gamma, Alpha   float32
	Row            uint32
	Smoothing      float32
}

// lossMeanParams is the parameter block of loss_mean.wgsl.
type lossMeanParams struct{ N uint32 }

// weightedSumParams is the parameter block of loss_weighted_sum.wgsl: K
// terms, written from Off (gather), with weights W.
type weightedSumParams struct {
	K, Off uint32
	W      [weightedSumPer]float32
}

// weightedSumPer is how many losses one loss_weighted_sum dispatch takes
// (eight storage bindings with the output).
const weightedSumPer = 7

// lossBegin opens a loss operation: it checks, locks and resolves ts as
// begin does, and returns the label record's buffer as well.
func (g *Backend) lossBegin(op string, checked error, ts ...*ops.Tensor) (bs []*buffer, labels *buffer, done func(), err error) {
	bs, done, err = g.begin(op, checked, ts...)
	if err != nil {
		return nil, nil, nil, err
	}
	if labels, err = g.labelBuf(); err != nil {
		done()
		return nil, nil, nil, opErr(op, "label record: %v", err)
	}
	return bs, labels, done, nil
}

// lossRows records a loss's per-row entry point key over logits [n, c],
// one workgroup per row, into a scratch buffer of n row losses, then
// their mean into loss.
func (g *Backend) lossRows(op, key string, checked error, params lossParams, loss, logits, labels *ops.Tensor) error {
	bs, st, done, err := g.lossBegin(op, checked, loss, logits, labels)
	if err != nil {
		return err
	}
	defer done()
	n, c := logits.Shape()[0], logits.Shape()[1]
	rows, err := g.get(4 * uint64(n))
	if err != nil {
		return opErr(op, "scratch of %d rows: %v", n, err)
	}
	defer g.put(rows)
	wx, wy, wrow := g.grid(n, 1)
	params.N, params.C, params.WRow = uint32(n), uint32(c), wrow
	if err := g.dispatch(op, key, &params, wx, wy, 10*float64(n*c),
		out(rows, n), in(bs[1], n*c), in(bs[2], n), in(st, 2)); err != nil {
		return err
	}
	return g.dispatch(op, "loss_mean", &lossMeanParams{N: uint32(n)}, 1, 1, float64(n), out(bs[0], 1), in(rows, n))
}

// lossBackward records a loss's backward entry point key over logits
// [n, c]: one workgroup of 64 per row, or with perLogit one invocation per
// logit (in workgroups of 256); flops per logit. The shader writes
// dlogits and reads logits, labels, the label record and dloss.
func (g *Backend) lossBackward(op, key string, checked error, perLogit bool, flops float64, params lossParams, dlogits, logits, labels, dloss *ops.Tensor) error {
	bs, st, done, err := g.lossBegin(op, checked, dlogits, logits, labels, dloss)
	if err != nil {
		return err
	}
	defer done()
	n, c := logits.Shape()[0], logits.Shape()[1]
	params.N, params.C = uint32(n), uint32(c)
	var wx, wy uint32
	if perLogit {
		wx, wy, params.Row = g.grid(n*c, 256)
	} else {
		wx, wy, params.WRow = g.grid(n, 1)
	}
	return g.dispatch(op, key, &params, wx, wy, flops*float64(n*c),
		out(bs[0], n*c), in(bs[1], n*c), in(bs[2], n), in(st, 2), in(bs[3], 1))
}

// CrossEntropy writes the batch mean of the label-smoothed cross-entropy
// (1-eps)*(-log_softmax(logits)[label]) + eps*mean_j(-log_softmax(logits)[j]),
// eps = s.Smoothing, computed stably. A label outside the classes makes
// the loss NaN and is reported by the next Sync.
func (g *Backend) CrossEntropy(loss, logits, labels *ops.Tensor, s ops.CrossEntropySpec) error {
	const op = "cross_entropy"
	checked := ops.CheckLoss(op, logits, labels, loss)
	if checked == nil {
		checked = ops.CheckCrossEntropy(op, s)
	}
	return g.lossRows(op, "loss_cross_entropy:rows", checked,
		lossParams{Op: opCE, Smoothing: s.Smoothing}, loss, logits, labels)
}

// CrossEntropyBackward writes dlogits = dloss[0] * (softmax - target) / N
// with target = (1-eps)*onehot + eps/C.
func (g *Backend) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor, s ops.CrossEntropySpec) error {
	const op = "cross_entropy_backward"
	checked := ops.CheckLoss(op, logits, labels, dloss)
	if checked == nil {
		checked = ops.CheckCrossEntropy(op, s)
	}
	if checked == nil {
		checked = ops.CheckSame(op, []string{"logits", "dlogits"}, logits, dlogits)
	}
	return g.lossBackward(op, "loss_cross_entropy:backward", checked, false, 12,
		lossParams{Op: opCEBackward, Smoothing: s.Smoothing}, dlogits, logits, labels, dloss)
}

// SigmoidFocal writes the tutorial's sigmoid focal loss: the one-vs-rest
// focal loss summed over classes and averaged over rows.
func (g *Backend) SigmoidFocal(loss, logits, labels *ops.Tensor, s ops.FocalSpec) error {
	const op = "sigmoid_focal"
	checked := ops.CheckLoss(op, logits, labels, loss)
	if checked == nil {
		checked = ops.CheckFocal(op, s)
	}
	return g.lossRows(op, "loss_focal:rows", checked,
		lossParams{Op: opFocal, Gamma: s.Gamma, Alpha: s.Alpha}, loss, logits, labels)
}

// SigmoidFocalBackward writes dlogits = dloss[0] * d(focal)/d(logits).
func (g *Backend) SigmoidFocalBackward(dlogits, logits, labels, dloss *ops.Tensor, s ops.FocalSpec) error {
	const op = "sigmoid_focal_backward"
	return g.lossBackward(op, "loss_focal:backward", checkLossBackward(op, &s, dlogits, logits, labels, dloss), true, 30,
		lossParams{Op: opFocalBackward, Gamma: s.Gamma, Alpha: s.Alpha}, dlogits, logits, labels, dloss)
}

// checkLossBackward checks a focal loss's backward arguments as the CPU
// backend does, with its messages: the loss's inputs and dloss, the focal
// spec, and dlogits, an f32 tensor of logits' shape.
func checkLossBackward(op string, s *ops.FocalSpec, dlogits, logits, labels, dloss *ops.Tensor) error {
	if err := ops.CheckLoss(op, logits, labels, dloss); err != nil {
		return err
	}
	if err := ops.CheckFocal(op, *s); err != nil {
		return err
	}
	return ops.CheckSame(op, []string{"logits", "dlogits"}, logits, dlogits)
}

// WeightedSum writes sum = sum_k weights[k] * losses[k], summed in order
// in float32.
func (g *Backend) WeightedSum(sum *ops.Tensor, losses []*ops.Tensor, weights []float32) error {
	const op = "weighted_sum"
	bs, done, err := g.begin(op, ops.CheckWeightedSum(sum, losses, weights), append([]*ops.Tensor{sum}, losses...)...)
	if err != nil {
		return err
	}
	defer done()
	terms := func(key string, d binding, off int, ls []*buffer, ws []float32) error {
		params := &weightedSumParams{K: uint32(len(ls)), Off: uint32(off)}
		binds := []binding{d}
		for i, l := range ls {
			params.W[i] = ws[i]
			binds = append(binds, in(l, 1))
		}
		return g.dispatch(op, key, params, 1, 1, float64(2*len(ls)), binds...)
	}
	k := len(losses)
	if k <= weightedSumPer {
		return terms("loss_weighted_sum", out(bs[0], 1), 0, bs[1:], weights)
	}
	scratch, err := g.get(4 * uint64(k))
	if err != nil {
		return opErr(op, "scratch of %d terms: %v", k, err)
	}
	defer g.put(scratch)
	for off := 0; off < k; off += weightedSumPer {
		end := min(off+weightedSumPer, k)
		if err := terms("loss_weighted_sum:gather", in(scratch, k), off, bs[1+off:1+end], weights[off:end]); err != nil {
			return err
		}
	}
	return g.dispatch(op, "loss_weighted_sum:total", &weightedSumParams{K: uint32(k)}, 1, 1, float64(k), out(bs[0], 1), in(scratch, k))
}
