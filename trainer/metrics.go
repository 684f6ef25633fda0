package trainer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/graph"
)

// lossAcc accumulates one loader's losses (weighted by batch size) and
// classification counts over an epoch.
type lossAcc struct {
	N     int64              `json:"n"`
	Loss  float64            `json:"loss"`
	Parts map[string]float64 `json:"parts"`
	acc   *evalkit.Accumulator
}

func newLossAcc(classes int) (*lossAcc, error) {
	acc, err := evalkit.NewAccumulator(classes)
	if err != nil {
		return nil, err
	}
	return &lossAcc{Parts: map[string]float64{}, acc: acc}, nil
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
	l, err := newLossAcc(classes)
	if err != nil {
		return err
	}
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

// keyList formats metric keys sorted, for error messages.
func keyList(m Metrics) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 12 {
		keys = append(keys[:12], fmt.Sprintf("... (%d in all)", len(keys)))
	}
	return strings.Join(keys, ", ")
}
