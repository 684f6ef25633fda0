package trainer

import (
	"context"

	"github.com/wgtrain/wgtrain/datasets"
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
// recording each batch while the previous one's results come back, and
// calls fn with each batch's results in order. A cancelled ctx stops it at
// the next batch boundary with ErrInterrupted, after the batch in flight
// has been handed to fn.
func Evaluate(ctx context.Context, s *Stepper, l *datasets.Loader, fn func(EvalBatch) error) error {
	it := l.Epoch(0, 0)
	defer it.Close()
	var prev *PendingStep
	var prevBatch EvalBatch
	finish := func() error {
		if prev == nil {
			return nil
		}
		res, err := prev.Wait()
		prev = nil
		if err != nil {
			return err
		}
		prevBatch.Result = res
		return fn(prevBatch)
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
		p, err := s.StartEval(toBatch(b))
		if err != nil {
			return err
		}
		// The loader reuses its batch buffers: keep copies.
		cur := EvalBatch{Labels: append([]int32(nil), b.Labels...), Index: append([]int(nil), b.Index...)}
		if err := finish(); err != nil {
			return err
		}
		prev, prevBatch = p, cur
	}
}
