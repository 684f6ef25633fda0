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

// lossRows records the per-row pass key of a loss over logits [n, c]
// into a scratch buffer of n row losses, then their mean into loss.
func (g *Backend) lossRows(op, key string, code int, extra []uint32, loss, logits, labels *ops.Tensor) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, loss, logits, labels)
	if err != nil {
		return err
	}
	st, err := g.labelBuf()
	if err != nil {
		return opErr(op, "label record: %v", err)
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	rows, err := g.get(4 * uint64(n))
	if err != nil {
		return opErr(op, "scratch of %d rows: %v", n, err)
	}
	defer g.put(rows)
	wx, wy, wrow := g.grid(n, 1)
	params := append([]uint32{uint32(n), uint32(c), wrow, uint32(code)}, extra...)
	if err := g.dispatch(op, key, params, wx, wy, 10*float64(n*c),
		out(rows, n), in(bs[1], n*c), in(bs[2], n), in(st, 2)); err != nil {
		return err
	}
	return g.dispatch(op, "loss:mean", []uint32{uint32(n)}, 1, 1, float64(n), out(bs[0], 1), in(rows, n))
}

// CrossEntropy writes the batch mean of -log_softmax(logits)[label],
// computed stably. A label outside the classes makes the loss NaN and is
// reported by the next Sync.
func (g *Backend) CrossEntropy(loss, logits, labels *ops.Tensor) error {
	const op = "cross_entropy"
	if err := ops.CheckLoss(op, logits, labels, loss); err != nil {
		return err
	}
	return g.lossRows(op, "loss:ce_rows", opCE, nil, loss, logits, labels)
}

// CrossEntropyBackward writes dlogits = dloss[0] * (softmax - onehot) / N.
func (g *Backend) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor) error {
	const op = "cross_entropy_backward"
	if err := ops.CheckLoss(op, logits, labels, dloss); err != nil {
		return err
	}
	// The CPU backend's check of dlogits: an f32 tensor of logits' shape.
	if err := ops.CheckSame(op, []string{"logits", "dlogits"}, logits, dlogits); err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	return g.lossBackward(op, "loss:ce_backward", n, 1, 12, func(row uint32) []uint32 {
		return []uint32{uint32(n), uint32(c), row, opCEBackward}
	}, dlogits, logits, labels, dloss)
}

// lossBackward records a loss's backward shader key over logits [n, c]:
// a dispatch of invocations in workgroups of wg, flops per logit, and
// the parameters params makes from the dispatch's grid row. The shader
// writes dlogits and reads logits, labels, the label record and dloss.
func (g *Backend) lossBackward(op, key string, invocations, wg int, flops float64, params func(row uint32) []uint32, dlogits, logits, labels, dloss *ops.Tensor) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dlogits, logits, labels, dloss)
	if err != nil {
		return err
	}
	st, err := g.labelBuf()
	if err != nil {
		return opErr(op, "label record: %v", err)
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	wx, wy, row := g.grid(invocations, wg)
	return g.dispatch(op, key, params(row), wx, wy, flops*float64(n*c),
		out(bs[0], n*c), in(bs[1], n*c), in(bs[2], n), in(st, 2), in(bs[3], 1))
}

// focalParams returns the focal shader's parameters after the first four.
func focalParams(s ops.FocalSpec, row uint32) []uint32 {
	return []uint32{f32bits(s.Gamma), f32bits(s.Alpha), row}
}

// SigmoidFocal writes the tutorial's sigmoid focal loss: the one-vs-rest
// focal loss summed over classes and averaged over rows.
func (g *Backend) SigmoidFocal(loss, logits, labels *ops.Tensor, s ops.FocalSpec) error {
	const op = "sigmoid_focal"
	if err := ops.CheckLoss(op, logits, labels, loss); err != nil {
		return err
	}
	if err := ops.CheckFocal(op, s); err != nil {
		return err
	}
	return g.lossRows(op, "loss_focal:rows", opFocal, focalParams(s, 0), loss, logits, labels)
}

// SigmoidFocalBackward writes dlogits = dloss[0] * d(focal)/d(logits).
func (g *Backend) SigmoidFocalBackward(dlogits, logits, labels, dloss *ops.Tensor, s ops.FocalSpec) error {
	const op = "sigmoid_focal_backward"
	if err := ops.CheckLoss(op, logits, labels, dloss); err != nil {
		return err
	}
	if err := ops.CheckFocal(op, s); err != nil {
		return err
	}
	if err := ops.CheckSame(op, []string{"logits", "dlogits"}, logits, dlogits); err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	return g.lossBackward(op, "loss_focal:backward", n*c, 256, 30, func(row uint32) []uint32 {
		return append([]uint32{uint32(n), uint32(c), 0, opFocalBackward}, focalParams(s, row)...)
	}, dlogits, logits, labels, dloss)
}

// WeightedSum writes sum = sum_k weights[k] * losses[k], summed in order
// in float32.
func (g *Backend) WeightedSum(sum *ops.Tensor, losses []*ops.Tensor, weights []float32) error {
	const op = "weighted_sum"
	if err := ops.CheckWeightedSum(sum, losses, weights); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, append([]*ops.Tensor{sum}, losses...)...)
	if err != nil {
		return err
	}
	// Seven losses per dispatch (eight storage bindings with the output).
	const per = 7
	terms := func(key string, d binding, off int, ls []*buffer, ws []float32) error {
		params := []uint32{uint32(len(ls)), uint32(off)}
		binds := []binding{d}
		for i := 0; i < per; i++ {
			var w float32
			if i < len(ls) {
				w = ws[i]
				binds = append(binds, in(ls[i], 1))
			}
			params = append(params, f32bits(w))
		}
		return g.dispatch(op, key, params, 1, 1, float64(2*len(ls)), binds...)
	}
	k := len(losses)
	if k <= per {
		return terms("weighted_sum", out(bs[0], 1), 0, bs[1:], weights)
	}
	scratch, err := g.get(4 * uint64(k))
	if err != nil {
		return opErr(op, "scratch of %d terms: %v", k, err)
	}
	defer g.put(scratch)
	for off := 0; off < k; off += per {
		end := min(off+per, k)
		if err := terms("weighted_sum:gather", in(scratch, k), off, bs[1+off:1+end], weights[off:end]); err != nil {
			return err
		}
	}
	return g.dispatch(op, "weighted_sum:total", []uint32{uint32(k), 0}, 1, 1, float64(k), out(bs[0], 1), in(scratch, k))
}
