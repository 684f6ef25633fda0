package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// EpochRecord is one epoch of the run's history (checkpoints/metrics.json).
type EpochRecord struct {
	Epoch   int                `json:"epoch"` // 1-based
	LR      float64            `json:"lr"`
	Metrics map[string]Metrics `json:"metrics"` // per loader: "train", "valid", ...
	// ElapsedS is the wall time in seconds from the run's start to the
	// end of this epoch's evaluation, over every session of a resumed run.
	ElapsedS float64 `json:"elapsed_s"`
}

// bestEpoch is the best epoch so far.
type bestEpoch struct {
	Epoch  int     `json:"epoch"` // 1-based; -1 before the first epoch ends
	Metric float64 `json:"metric"`
}

// endEpoch evaluates, logs, keeps the best and last checkpoints and
// advances to the next epoch.
func (r *run) endEpoch(ctx context.Context) error {
	e := r.epoch
	train, err := r.mergeAcc(r.train) // every rank's shard
	if err != nil {
		return err
	}
	rec := EpochRecord{Epoch: e + 1, LR: r.sched.At(e, max(r.globalStep-1, 0)).LR, Metrics: map[string]Metrics{"train": train.metrics()}}
	// With EMA the average is evaluated and saved as best; the live
	// weights come back before last.safetensors and the resume checkpoint.
	if err := r.swapEMA(); err != nil {
		return err
	}
	for _, l := range r.cfg.Eval {
		ev, err := r.evaluate(ctx, l.Name, l.Loader, false)
		if errors.Is(err, ErrInterrupted) {
			// Every batch of the epoch is trained: the resumed run
			// skips them all and evaluates again.
			if serr := r.swapEMA(); serr != nil {
				return serr
			}
			if serr := r.saveResume(); serr != nil {
				return serr
			}
			return err
		}
		if err != nil {
			return err
		}
		rec.Metrics[l.Name] = ev.acc.metrics()
		if err := r.tb[l.Name].confusion(int64(e+1), l.Name, ev.acc.acc.Confusion(), r.cfg.ClassNames); err != nil {
			return err
		}
	}
	if err := r.tb["train"].confusion(int64(e+1), "train", train.acc.Confusion(), r.cfg.ClassNames); err != nil {
		return err
	}
	for name, m := range rec.Metrics {
		epochKeys := map[string]float64{}
		for k, v := range m {
			epochKeys[k+"/epoch"] = v
		}
		epochKeys["lr/epoch"] = rec.LR
		if err := r.tb[name].scalars(int64(e+1), epochKeys); err != nil {
			return err
		}
	}
	rec.ElapsedS = r.elapsed()
	r.history = append(r.history, rec)
	if s := r.cfg.StopAt; s != nil && s.Reached(rec.Metrics[r.cfg.Valid][s.Key]) {
		r.stopped = true
	}
	v := rec.Metrics[r.cfg.Valid][r.cfg.ValidMetric]
	better := r.improved(v)
	if better {
		r.best = bestEpoch{Epoch: e + 1, Metric: v}
		if err := r.saveState(r.dir.best(), e+1); err != nil {
			return err
		}
	}
	if r.ema != nil {
		if err := r.saveState(r.dir.lastEMA(), e+1); err != nil {
			return err
		}
		if err := r.swapEMA(); err != nil {
			return err
		}
	}
	if err := r.saveState(r.dir.last(), e+1); err != nil {
		return err
	}
	r.epoch, r.batch = e+1, 0
	r.train.reset()
	if err := r.saveResume(); err != nil {
		return err
	}
	if err := r.write(func() error { return r.dir.writeLogs(r.history) }); err != nil {
		return err
	}
	if err := r.write(func() error {
		return r.dir.writeMetrics(r.best, r.cfg.ValidMetric, r.cfg.Valid, r.history, r.timeToTarget())
	}); err != nil {
		return err
	}
	for _, w := range r.tb {
		if err := w.flush(); err != nil {
			return err
		}
	}
	r.prog.summary(rec, r.cfg.ValidMetric, r.cfg.Valid, better)
	return nil
}

// improved reports whether v beats the best so far by the margin of
// docs/SPEC.md §7.
func (r *run) improved(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if r.best.Epoch < 0 {
		return true
	}
	if r.cfg.Minimize {
		return v <= r.best.Metric-1e-6
	}
	return v >= r.best.Metric+1e-6
}

// saveState writes the model to a checkpoint of the run directory with
// its 1-based epoch (rank 0 only).
func (r *run) saveState(path string, epoch int) error {
	return r.write(func() error {
		return SaveState(path, r.cfg.Model, map[string]string{"epoch": fmt.Sprint(epoch)})
	})
}
