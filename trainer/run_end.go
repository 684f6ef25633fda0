package trainer

import (
	"context"
	"fmt"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
)

// finish ends the run: it restores the best weights when asked,
// evaluates the final model on every Eval and Predict loader, and writes
// the predictions, the report of the Report loader and the curves.
func (r *run) finish(ctx context.Context) (*Result, error) {
	epoch := r.epoch // the final model's: the last epoch's, or the best one's
	if r.cfg.LoadBestOnEnd && r.best.Epoch > 0 {
		// With EMA, best.safetensors holds the average. Rank 0 reads it
		// and gives it to the other ranks.
		if err := r.write(func() error { return LoadState(r.dir.best(), r.cfg.Model) }); err != nil {
			return nil, err
		}
		if err := r.broadcastModel(); err != nil {
			return nil, err
		}
		epoch = r.best.Epoch
	} else if err := r.swapEMA(); err != nil {
		// The run's model is the average; the live weights are not
		// needed again (the resume checkpoint was saved before).
		return nil, err
	}
	res := &Result{BestEpoch: r.best.Epoch, BestMetric: r.best.Metric, Final: map[string]Metrics{},
		Epochs: r.epoch, StopAt: r.timeToTarget()}
	if n := len(r.history); n > 0 {
		res.TrainS = r.history[n-1].ElapsedS
	}
	res.LossScale, res.SkippedSteps = r.stepper.LossScale()
	// A resumed run's target may have changed since its last epoch.
	if err := r.write(func() error {
		return r.dir.writeMetrics(r.best, r.cfg.ValidMetric, r.cfg.Valid, r.history, res.StopAt)
	}); err != nil {
		return nil, err
	}
	done := map[string]*evaluation{}
	predict := map[string]bool{}
	for _, l := range r.cfg.Predict {
		predict[l.Name] = true
	}
	all := append(append([]Named(nil), r.cfg.Eval...), r.cfg.Predict...)
	for _, l := range all {
		if done[l.Name] != nil {
			continue
		}
		// An interruption here leaves the resume checkpoint of the last
		// epoch, from which a resumed run comes straight back here.
		ev, err := r.evaluate(ctx, l.Name, l.Loader, true)
		if err != nil {
			return nil, err
		}
		done[l.Name] = ev
		res.Final[l.Name] = ev.acc.metrics()
		if predict[l.Name] {
			meta := &evalkit.PredictionsMeta{Classes: r.cfg.ClassNames, Split: l.Name, Epoch: epoch}
			if err := r.write(func() error { return r.dir.writePredictions(l.Name, ev.pred, meta) }); err != nil {
				return nil, err
			}
		}
	}
	name := r.cfg.Report
	if name == "" {
		name = r.cfg.Valid
	}
	ev := done[name]
	rep, err := evalkit.NewReport(ev.pred.Target, ev.pred.Logits, r.cfg.Model.NumClasses, r.cfg.ClassNames,
		evalkit.ReportOptions{Split: name, Epoch: epoch, Index: ev.pred.Index})
	if err != nil {
		return nil, fmt.Errorf("trainer: report: %w", err)
	}
	if err := r.scaleTemperature(rep, done, name); err != nil {
		return nil, err
	}
	res.Report = rep
	if err := r.write(func() error { return r.dir.writeReport(rep, ev.acc.acc.Confusion(), r.cfg.ClassNames) }); err != nil {
		return nil, err
	}
	if err := r.thresholdsCV(done[r.cfg.Valid].pred, ev.pred, name, res); err != nil {
		return nil, err
	}
	if err := r.write(func() error { return r.dir.writeCurves(r.history, r.cfg.ValidMetric, r.cfg.Valid, r.best.Epoch) }); err != nil {
		return nil, err
	}
	var split *datasets.Split
	for _, l := range all {
		if l.Name == name && l.Loader != nil {
			split = l.Loader.Split()
			break
		}
	}
	if err := r.write(func() error { return r.dir.writeReportHTML(rep, ev.pred, split) }); err != nil {
		return nil, err
	}
	r.prog.final(rep)
	res.TotalS = r.elapsed()
	return res, nil
}

// scaleTemperature fits a temperature on the validation split's final
// predictions and records it in rep with the report split's calibration
// before and after; nothing when there is no validation split distinct
// from the report's.
func (r *run) scaleTemperature(rep *evalkit.Report, done map[string]*evaluation, name string) error {
	va := done[r.cfg.Valid]
	if r.cfg.Valid == "" || r.cfg.Valid == name || va == nil || va.pred == nil || va.pred.Len() == 0 {
		return nil
	}
	ev := done[name]
	ts, err := evalkit.NewTemperatureScaling(r.cfg.Valid, va.pred.Target, va.pred.Logits, ev.pred.Target, ev.pred.Logits, r.cfg.Model.NumClasses)
	if err != nil {
		return fmt.Errorf("trainer: temperature scaling: %w", err)
	}
	rep.Temperature = ts
	return nil
}
