package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// lossAcc accumulates one loader's losses (weighted by batch size) and
// classification counts over an epoch.
type lossAcc struct {
	N     int64              `json:"n"`
	Loss  float64            `json:"loss"`
	Parts map[string]float64 `json:"parts"`
	acc   *evalkit.Accumulator
}

func newLossAcc(classes int) *lossAcc {
	return &lossAcc{Parts: map[string]float64{}, acc: evalkit.NewAccumulator(classes)}
}

func (l *lossAcc) reset() {
	l.N, l.Loss = 0, 0
	clear(l.Parts)
	l.acc.Reset()
}

func (l *lossAcc) add(res StepResult, labels []int32) error {
	n := float64(len(labels))
	l.N += int64(len(labels))
	l.Loss += res.Loss * n
	for k, v := range res.Parts {
		l.Parts[k] += v * n
	}
	return l.acc.Add(res.Pred, labels, res.Logits)
}

// metrics returns the loader's logged values: loss, each criterion's loss
// when there are several, accuracy@k, and with PRF the per-class and
// averaged precision, recall, F1 and support.
func (l *lossAcc) metrics(set MetricSet) Metrics {
	m := Metrics{}
	if l.N == 0 {
		return m
	}
	m["loss"] = l.Loss / float64(l.N)
	for k, v := range l.Parts {
		m[k] = v / float64(l.N)
	}
	for k, v := range l.acc.Metrics() {
		if isAccuracyKey(k) || set.PRF {
			m[k] = v
		}
	}
	return m
}

func isAccuracyKey(k string) bool { return len(k) == 10 && k[:8] == "accuracy" }

// checkMetricKey reports whether key will be logged for a model of that
// many classes with those criteria and metrics, listing the keys that
// will be when it is not.
func checkMetricKey(key string, classes int, criteria []graph.Criterion, set MetricSet) error {
	l := newLossAcc(classes)
	logits := make([]float32, classes)
	res := StepResult{Pred: []int32{0}, Logits: logits}
	if len(criteria) > 1 {
		res.Parts = map[string]float64{}
		for _, c := range criteria {
			res.Parts["loss_"+c.Key()] = 0
		}
	}
	if err := l.add(res, []int32{0}); err != nil {
		return err
	}
	m := l.metrics(set)
	if _, ok := m[key]; ok {
		return nil
	}
	return fmt.Errorf("trainer: unknown metric %q; the run logs: %s", key, keyList(m))
}

// pending is a step in flight and what its results are checked against.
type pending struct {
	p      *PendingStep
	labels []int32
	index  []int
}

// trainEpoch trains the rest of the epoch in progress.
func (r *run) trainEpoch(ctx context.Context) error {
	e := r.epoch
	r.stepper.Opt.LR = r.sched.LR(e)
	it := r.cfg.Train.Epoch(e, r.batch)
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
			return fmt.Errorf("trainer: epoch %d: %w", e+1, err)
		}
		if err := r.train.add(res, p.labels); err != nil {
			return err
		}
		r.samples += int64(len(p.labels))
		r.batch++
		r.globalStep++
		hits := 0
		for i, c := range res.Pred {
			if c == p.labels[i] {
				hits++
			}
		}
		acc := float64(hits) / float64(len(p.labels))
		if err := r.tb["train"].scalars(r.samples, map[string]float64{"loss/batch": res.Loss, "accuracy01/batch": acc}); err != nil {
			return err
		}
		bar.step(r.train.Loss/float64(r.train.N), r.train.acc.Metrics()["accuracy01"], len(p.labels))
		if r.cfg.AfterStep != nil {
			r.cfg.AfterStep(e+1, r.globalStep, res)
		}
		return nil
	}
	for {
		if ctx.Err() != nil {
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
			return fmt.Errorf("trainer: epoch %d: %w", e+1, err)
		}
		if !ok {
			break
		}
		step := r.globalStep
		if prev != nil {
			step++
		}
		p, err := r.stepper.Start(toBatch(b), step)
		if err != nil {
			return fmt.Errorf("trainer: epoch %d: %w", e+1, err)
		}
		cur := &pending{p: p, labels: append([]int32(nil), b.Labels...)}
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

// evaluation is one pass of a loader in evaluation mode.
type evaluation struct {
	acc     *lossAcc
	logits  []float32 // every row's logits, when kept
	targets []int32
	index   []int
}

// evaluate runs the loader once without gradients, pipelined like
// training. With keep it also returns every row's logits, in order. A
// cancelled ctx stops it with ErrInterrupted.
func (r *run) evaluate(ctx context.Context, name string, l *datasets.Loader, keep bool) (*evaluation, error) {
	ev := &evaluation{acc: newLossAcc(r.cfg.Model.NumClasses)}
	bar := r.prog.bar(fmt.Sprintf("epoch %d/%d %s", min(r.epoch+1, r.cfg.Epochs), r.cfg.Epochs, name), l.Batches(), 0)
	defer bar.done()
	err := Evaluate(ctx, r.stepper, l, func(b EvalBatch) error {
		if err := ev.acc.add(b.Result, b.Labels); err != nil {
			return err
		}
		if keep {
			ev.logits = append(ev.logits, b.Result.Logits...)
			ev.targets = append(ev.targets, b.Labels...)
			ev.index = append(ev.index, b.Index...)
		}
		bar.step(ev.acc.Loss/float64(ev.acc.N), ev.acc.acc.Metrics()["accuracy01"], len(b.Labels))
		return nil
	})
	if errors.Is(err, ErrInterrupted) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("trainer: evaluating %s: %w", name, err)
	}
	return ev, nil
}

// improved reports whether v beats the best so far by the margin of
// REFERENCE.md section 7.
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
