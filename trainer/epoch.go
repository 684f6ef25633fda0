package trainer

import (
	"context"
	"fmt"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/ops"
)

// pending is a step in flight and what its results are checked against.
type pending struct {
	p      *PendingStep
	labels []int32
	index  []int
	lr     float64 // the learning rate the step was given
}

// trainEpoch trains the rest of the epoch in progress.
func (r *run) trainEpoch(ctx context.Context) error {
	e := r.epoch
	l := r.cfg.Train
	if r.trainLoader != nil {
		l = r.trainLoader
	}
	it := l.Epoch(e, r.batch)
	defer it.Close()
	bar := r.prog.bar(fmt.Sprintf("epoch %d/%d train", e+1, r.cfg.Epochs), r.cfg.Train.Batches(), r.batch)
	defer bar.done()
	var prev *pending
	finish := func() error {
		if prev == nil {
			return nil
		}
		p := prev
		prev = nil
		res, err := p.p.Wait()
		if err != nil {
			return inEpoch(e+1, err)
		}
		if err := r.train.add(res, p.labels); err != nil {
			return err
		}
		r.samples += int64(len(p.labels) * r.size()) // every rank's batch
		r.batch++
		r.globalStep++
		hits := 0
		for i, c := range res.Pred {
			if c == p.labels[i] {
				hits++
			}
		}
		acc := float64(hits) / float64(len(p.labels))
		if err := r.tb["train"].scalars(r.samples, map[string]float64{"loss/batch": res.Loss, "accuracy01/batch": acc, "lr/batch": p.lr}); err != nil {
			return err
		}
		bar.step(r.train.Loss/float64(r.train.N), r.train.acc.Accuracy(), len(p.labels)*r.size()) // img/s of every rank
		if r.cfg.AfterStep != nil {
			r.cfg.AfterStep(e+1, r.globalStep, res)
		}
		return nil
	}
	for {
		stop, err := r.interrupted(ctx)
		if err != nil {
			return inEpoch(e+1, err)
		}
		if stop {
			if err := finish(); err != nil {
				return err
			}
			if err := r.saveResume(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		b, ok, err := it.Next()
		if err != nil {
			return inEpoch(e+1, err)
		}
		if !ok {
			break
		}
		step := r.globalStep
		if prev != nil {
			step++
		}
		h := r.sched.At(e, step)
		r.stepper.Opt.SetHyper(h)
		batch := toBatch(b)
		if r.store != nil {
			batch = r.store.batch(b, e)
		}
		p, err := r.stepper.Start(batch, step)
		if err != nil {
			return inEpoch(e+1, err)
		}
		if err := r.updateEMA(step); err != nil {
			return inEpoch(e+1, err)
		}
		cur := &pending{p: p, labels: append([]int32(nil), b.Labels...), lr: h.LR}
		if err := finish(); err != nil {
			return err
		}
		prev = cur
	}
	return finish()
}

func toBatch(b datasets.Batch) Batch {
	return Batch{Images: b.Images, Shape: ops.Shape(b.Shape[:]), Labels: b.Labels}
}
