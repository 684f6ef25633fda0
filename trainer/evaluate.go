package trainer

import (
	"context"
	"errors"
	"fmt"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
)

// EvalBatch is one evaluated batch: the step's results and the batch's
// labels and data-set indices, which stay valid after the callback.
type EvalBatch struct {
	Result StepResult
	Labels []int32
	Index  []int
}

// Evaluate runs s's evaluation step over every batch of l in order (the
// loader's epoch 0 order; a loader for evaluation does not shuffle),
// recording each step while the previous one's results come back, and
// calls fn with each batch's results in order. With s.TTA flip each batch
// takes two steps, the batch and its mirror image's batch (made on the
// host), and fn gets their combined results (the mean logits, their
// classes and the mean loss; s must keep logits). A cancelled ctx stops it
// at the next batch boundary with ErrInterrupted, after the batch in
// flight has been handed to fn.
func Evaluate(ctx context.Context, s *Stepper, l *datasets.Loader, fn func(EvalBatch) error) error {
	flip, err := s.TTA.flip()
	if err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if flip && !s.KeepLogits {
		return errors.New("trainer: test-time augmentation needs a Stepper with KeepLogits")
	}
	st := s.stores[l] // nil: the batches are made on the host
	src := l
	if st != nil {
		src = st.bare
	}
	it := src.Epoch(0, 0)
	defer it.Close()
	var (
		prev      *PendingStep
		prevBatch EvalBatch
		mirrored  bool       // prev is the mirror image's step
		first     StepResult // with flip, the batch's results until its mirror image's come
		buf       []float32  // the mirror image's batch
	)
	finish := func() error {
		if prev == nil {
			return nil
		}
		res, err := prev.Wait()
		prev = nil
		if err != nil {
			return err
		}
		if flip && !mirrored {
			first = res
			return nil
		}
		if flip {
			res = meanResult(first, res)
		}
		prevBatch.Result = res
		return fn(prevBatch)
	}
	// step records b's evaluation step, then waits for the previous one.
	step := func(b Batch, cur EvalBatch, isMirror bool) error {
		p, err := s.StartEval(b)
		if err != nil {
			return err
		}
		if err := finish(); err != nil {
			return err
		}
		prev, prevBatch, mirrored = p, cur, isMirror
		return nil
	}
	for {
		if ctx.Err() != nil {
			if err := finish(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		b, ok, err := it.Next()
		if err != nil {
			return err
		}
		if !ok {
			return finish()
		}
		// The loader reuses its batch buffers: keep copies.
		cur := EvalBatch{Labels: append([]int32(nil), b.Labels...), Index: append([]int(nil), b.Index...)}
		batch := toBatch(b)
		if st != nil {
			batch = st.batch(b, 0)
		}
		if err := step(batch, cur, false); err != nil {
			return err
		}
		if flip {
			var m Batch
			if st != nil {
				m = st.mirror(batch)
			} else {
				m = mirror(buf, batch)
				buf = m.Images
			}
			if err := step(m, cur, true); err != nil {
				return err
			}
		}
	}
}

// Predict runs s's evaluation step over every batch of l, as Evaluate
// does, and returns every row's logits, target and data-set index in the
// loader's order, as predictions of s.Model's classes: the predictions a
// run writes to predictions/<loader>.csv and `wgtrain predict` writes.
// s must keep logits (KeepLogits); with s.TTA the logits are those
// Evaluate combines. each, when not nil, is called with
// every batch before its rows are added (the runner accumulates its
// metrics there). A cancelled ctx stops it with ErrInterrupted.
func Predict(ctx context.Context, s *Stepper, l *datasets.Loader, each func(EvalBatch) error) (*evalkit.Predictions, error) {
	if !s.KeepLogits {
		return nil, errors.New("trainer: Predict needs a Stepper with KeepLogits")
	}
	p := &evalkit.Predictions{Classes: s.Model.NumClasses}
	err := Evaluate(ctx, s, l, func(b EvalBatch) error {
		if each != nil {
			if err := each(b); err != nil {
				return err
			}
		}
		p.Logits = append(p.Logits, b.Result.Logits...)
		p.Target = append(p.Target, b.Labels...)
		p.Index = append(p.Index, b.Index...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// evaluation is one pass of a loader in evaluation mode.
type evaluation struct {
	acc  *lossAcc
	pred *evalkit.Predictions // every row's logits, target and index, when kept
}

// evaluate runs the loader once without gradients, pipelined like
// training. With keep it also returns every row's predictions, in order.
// A cancelled ctx stops it with ErrInterrupted.
func (r *run) evaluate(ctx context.Context, name string, l *datasets.Loader, keep bool) (*evaluation, error) {
	acc, err := newLossAcc(r.cfg.Model.NumClasses)
	if err != nil {
		return nil, err
	}
	ev := &evaluation{acc: acc}
	bar := r.prog.bar(fmt.Sprintf("epoch %d/%d %s", min(r.epoch+1, r.cfg.Epochs), r.cfg.Epochs, name), l.Batches(), 0)
	defer bar.done()
	each := func(b EvalBatch) error {
		if err := ev.acc.add(b.Result, b.Labels); err != nil {
			return err
		}
		bar.step(ev.acc.Loss/float64(ev.acc.N), ev.acc.acc.Accuracy(), len(b.Labels))
		return nil
	}
	pass := ctx
	if r.size() > 1 {
		// Every rank evaluates rank 0's running statistics, and finishes
		// its shard: an interruption is agreed on after the pass.
		if err := r.stepper.SyncBuffers(); err != nil {
			return nil, fmt.Errorf("trainer: evaluating %s: %w", name, err)
		}
		pass = context.WithoutCancel(ctx)
	}
	if keep {
		ev.pred, err = Predict(pass, r.stepper, l, each)
	} else {
		err = Evaluate(pass, r.stepper, l, each)
	}
	if errors.Is(err, ErrInterrupted) {
		return nil, err
	}
	if se, ok := err.(*StepError); ok {
		se.Split = name
		return nil, se
	}
	if err != nil {
		return nil, fmt.Errorf("trainer: evaluating %s: %w", name, err)
	}
	return r.mergeEvaluation(ctx, ev)
}

// mergeEvaluation combines every rank's evaluation of its shard into the
// whole split's (one rank: ev itself), then returns ErrInterrupted when
// the run was interrupted on any rank during the pass.
func (r *run) mergeEvaluation(ctx context.Context, ev *evaluation) (*evaluation, error) {
	if r.size() == 1 {
		return ev, nil
	}
	acc, err := r.mergeAcc(ev.acc)
	if err != nil {
		return nil, err
	}
	out := &evaluation{acc: acc}
	if ev.pred != nil {
		if out.pred, err = r.mergePredictions(ev.pred); err != nil {
			return nil, err
		}
	}
	if stop, err := r.interrupted(ctx); err != nil {
		return nil, err
	} else if stop {
		return nil, ErrInterrupted
	}
	return out, nil
}
