package trainer

import (
	"fmt"
	"slices"
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

// metrics returns the loader's logged values (docs/SPEC.md §4): loss,
// each criterion's loss when there are several, accuracy@k, and the
// per-class and averaged precision, recall, F1 and support.
func (l *lossAcc) metrics() Metrics {
	m := Metrics{}
	if l.N == 0 {
		return m
	}
	m["loss"] = l.Loss / float64(l.N)
	for k, v := range l.Parts {
		m[k] = v / float64(l.N)
	}
	for k, v := range l.acc.Metrics() {
		m[k] = v
	}
	return m
}

// LoggedKeys returns, sorted, every key that a run logs for each loader
// with a model of that many classes (at least 1) and those criteria: any
// of them can pick the best epoch (Config.ValidMetric).
func LoggedKeys(classes int, criteria []graph.Criterion) ([]string, error) {
	if classes < 1 {
		return nil, fmt.Errorf("trainer: %d classes: want at least 1", classes)
	}
	l, err := newLossAcc(classes)
	if err != nil {
		return nil, err
	}
	res := StepResult{Pred: []int32{0}, Logits: make([]float32, classes)}
	if len(criteria) > 1 {
		res.Parts = map[string]float64{}
		for _, c := range criteria {
			res.Parts["loss_"+c.Key()] = 0
		}
	}
	if err := l.add(res, []int32{0}); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	m := l.metrics()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// checkMetricKey returns nil when key is among the LoggedKeys of a model
// of that many classes with those criteria, and otherwise an error that
// lists them (KeyList).
func checkMetricKey(key string, classes int, criteria []graph.Criterion) error {
	keys, err := LoggedKeys(classes, criteria)
	if err != nil {
		return err
	}
	if slices.Contains(keys, key) {
		return nil
	}
	return fmt.Errorf("trainer: unknown metric %q; the run logs %s", key, KeyList(keys))
}

// KeyList formats sorted logged keys for a message: the keys of the whole
// loader in full, and the per-class keys as one pattern per metric, such
// as "precision/class_00 ... precision/class_09".
func KeyList(keys []string) string {
	var out []string
	first, last := map[string]string{}, map[string]string{}
	var perClass []string
	for _, k := range keys {
		prefix, cls, ok := strings.Cut(k, "/class_")
		if !ok {
			out = append(out, k)
			continue
		}
		if _, seen := first[prefix]; !seen {
			first[prefix] = cls
			perClass = append(perClass, prefix)
		}
		last[prefix] = cls
	}
	for _, p := range perClass {
		if first[p] == last[p] {
			out = append(out, p+"/class_"+first[p])
		} else {
			out = append(out, p+"/class_"+first[p]+" ... "+p+"/class_"+last[p])
		}
	}
	return strings.Join(out, ", ")
}
