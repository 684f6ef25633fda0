package trainer

import (
	"context"
	"fmt"
	"slices"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// This file is the runner's part of a data-parallel run (Config.Comm of
// more than one rank): every rank starts from rank 0's state, agrees on
// interruptions, and combines its shard's metrics and predictions with
// the other ranks' exactly; only rank 0 writes the run directory.

// size is the number of ranks of the run.
func (r *run) size() int { return r.comm.Size() }

// lead reports whether this rank writes the run directory (rank 0).
func (r *run) lead() bool { return r.comm.Rank() == 0 }

// write runs fn on rank 0 only: the run directory is rank 0's.
func (r *run) write(fn func() error) error {
	if !r.lead() {
		return nil
	}
	return fn()
}

// broadcastState copies rank 0's model (weights and running statistics),
// optimizer buffers and EMA average to every rank, so that every rank
// starts from the same state whatever it initialized or read.
func (r *run) broadcastState() error {
	if r.size() == 1 {
		return nil
	}
	var ts []*ops.Tensor
	for _, p := range r.cfg.Model.Params() {
		ts = append(ts, p.Value)
	}
	opt := r.stepper.Opt
	for i := range opt.Params() {
		for _, st := range opt.State(i) {
			ts = append(ts, st.Tensor)
		}
	}
	if r.ema != nil {
		for i := range r.ema.Params() {
			ts = append(ts, r.ema.Shadow(i))
		}
	}
	if err := broadcastTensors(r.comm, ts, &r.stepper.flat); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}

// broadcastModel copies rank 0's model (weights and running statistics)
// to every rank.
func (r *run) broadcastModel() error {
	if r.size() == 1 {
		return nil
	}
	var ts []*ops.Tensor
	for _, p := range r.cfg.Model.Params() {
		ts = append(ts, p.Value)
	}
	if err := broadcastTensors(r.comm, ts, &r.stepper.flat); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}

// interrupted reports whether ctx is cancelled on any rank, so that every
// rank stops at the same batch boundary.
func (r *run) interrupted(ctx context.Context) (bool, error) {
	stop := ctx.Err() != nil
	if r.size() == 1 {
		return stop, nil
	}
	flag := []float32{0}
	if stop {
		flag[0] = 1
	}
	if err := r.comm.AllReduceSum(flag); err != nil {
		return false, fmt.Errorf("trainer: agreeing on an interruption: %w", err)
	}
	return flag[0] > 0, nil
}

// mergeAcc returns the sum of every rank's accumulator: the counts and
// confusion matrix exactly, the loss sums added in rank order with
// evalkit.Sum (rounded once). With one rank it is l itself.
func (r *run) mergeAcc(l *lossAcc) (*lossAcc, error) {
	if r.size() == 1 {
		return l, nil
	}
	n := r.size()
	counts := l.acc.Counts()
	all := make([]int64, len(counts)*n)
	if err := r.comm.AllGatherInt64(counts, all); err != nil {
		return nil, fmt.Errorf("trainer: gathering counts: %w", err)
	}
	ranks := make([][]int64, n)
	for k := range ranks {
		ranks[k] = all[k*len(counts) : (k+1)*len(counts)]
	}
	acc, err := evalkit.MergeCounts(ranks)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	keys := partKeys(r.cfg.Criteria)
	sums := append([]float64{float64(l.N), l.Loss}, make([]float64, len(keys))...)
	for i, k := range keys {
		sums[2+i] = l.Parts[k]
	}
	gathered := make([]float64, len(sums)*n)
	if err := r.comm.AllGatherFloat64(sums, gathered); err != nil {
		return nil, fmt.Errorf("trainer: gathering loss sums: %w", err)
	}
	out := &lossAcc{Parts: map[string]float64{}, acc: acc}
	for i := range sums {
		var s evalkit.Sum
		for k := range n {
			s.Add(gathered[k*len(sums)+i])
		}
		switch i {
		case 0:
			out.N = int64(s.Value())
		case 1:
			out.Loss = s.Value()
		default:
			out.Parts[keys[i-2]] = s.Value()
		}
	}
	return out, nil
}

// partKeys are the "loss_<key>" of each criterion when there are several
// (StepResult.Parts), sorted; none for one criterion.
func partKeys(criteria []graph.Criterion) []string {
	if len(criteria) < 2 {
		return nil
	}
	var keys []string
	for _, c := range criteria {
		keys = append(keys, "loss_"+c.Key())
	}
	slices.Sort(keys)
	return keys
}

// mergePredictions gathers every rank's predictions of its (unpadded)
// shard and returns them as one set in sample order
// (evalkit.MergePredictions), the rows a single process predicts.
func (r *run) mergePredictions(p *evalkit.Predictions) (*evalkit.Predictions, error) {
	if r.size() == 1 {
		return p, nil
	}
	n, classes := r.size(), p.Classes
	lens := make([]int64, n)
	if err := r.comm.AllGatherInt64([]int64{int64(p.Len())}, lens); err != nil {
		return nil, fmt.Errorf("trainer: gathering predictions: %w", err)
	}
	rows := int(slices.Max(lens))
	rowsSent := make([]int64, 2*rows)
	logits := make([]float64, rows*classes)
	for i := range p.Len() {
		rowsSent[i], rowsSent[rows+i] = int64(p.Index[i]), int64(p.Target[i])
	}
	for i, v := range p.Logits {
		logits[i] = float64(v)
	}
	allRows := make([]int64, len(rowsSent)*n)
	allLogits := make([]float64, len(logits)*n)
	if err := r.comm.AllGatherInt64(rowsSent, allRows); err != nil {
		return nil, fmt.Errorf("trainer: gathering predictions: %w", err)
	}
	if err := r.comm.AllGatherFloat64(logits, allLogits); err != nil {
		return nil, fmt.Errorf("trainer: gathering predictions: %w", err)
	}
	parts := make([]*evalkit.Predictions, n)
	for k := range parts {
		m := int(lens[k])
		q := &evalkit.Predictions{Classes: classes, Index: make([]int, m), Target: make([]int32, m), Logits: make([]float32, m*classes)}
		base := k * 2 * rows
		for i := range m {
			q.Index[i], q.Target[i] = int(allRows[base+i]), int32(allRows[base+rows+i])
		}
		for i := range q.Logits {
			q.Logits[i] = float32(allLogits[k*rows*classes+i])
		}
		parts[k] = q
	}
	out, err := evalkit.MergePredictions(parts...)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	return out, nil
}

// commOf returns c, or the one-process Comm for nil.
func commOf(c dist.Comm) dist.Comm {
	if c == nil {
		return dist.Single()
	}
	return c
}
