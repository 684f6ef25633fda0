package evalkit

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// sklearnCase is one fixture written by scripts/gen_sklearn.py: inputs
// and every number of the report as scikit-learn computes it.
type sklearnCase struct {
	Name      string      `json:"name"`
	Classes   int         `json:"classes"`
	Targets   []int32     `json:"targets"`
	Logits    [][]float64 `json:"logits"`
	Pred      []int32     `json:"pred"`
	Precision []float64   `json:"precision"`
	Recall    []float64   `json:"recall"`
	F1        []float64   `json:"f1"`
	Support   []int64     `json:"support"`
	Accuracy  float64     `json:"accuracy"`
	Micro     avgJSON     `json:"micro"`
	Macro     avgJSON     `json:"macro"`
	Weighted  avgJSON     `json:"weighted"`
	FBeta     []struct {
		Beta     float64   `json:"beta"`
		PerClass []float64 `json:"per_class"`
		Micro    float64   `json:"micro"`
		Macro    float64   `json:"macro"`
		Weighted float64   `json:"weighted"`
	} `json:"fbeta"`
	TopK                map[string]*float64 `json:"topk"`
	AUC                 []*float64          `json:"auc"`
	AUCMacro            float64             `json:"auc_macro"`
	AUCWeighted         float64             `json:"auc_weighted"`
	Confusion           [][]int64           `json:"confusion"`
	ConfusionNormalized [][]float64         `json:"confusion_normalized"`
}

type avgJSON struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// logits32 flattens the fixture's logits to float32 the way the
// generator did: decimal -> float64 -> float32.
func (c *sklearnCase) logits32() []float32 {
	var out []float32
	for _, row := range c.Logits {
		for _, v := range row {
			out = append(out, float32(v))
		}
	}
	return out
}

func loadSklearnCases(t *testing.T) []*sklearnCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/sklearn_*.json")
	if err != nil || len(paths) < 5 {
		t.Fatalf("sklearn fixtures: %v, %d files; run scripts/gen_sklearn.py", err, len(paths))
	}
	var cases []*sklearnCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := new(sklearnCase)
		if err := json.Unmarshal(data, c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(c.Targets) == 0 || len(c.Logits) != len(c.Targets) {
			t.Fatalf("%s: %d targets, %d logit rows", p, len(c.Targets), len(c.Logits))
		}
		cases = append(cases, c)
	}
	return cases
}

const sklearnTol = 1e-9

// near checks |got - want| <= tol; NaN never passes.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !(math.Abs(got-want) <= sklearnTol) {
		t.Errorf("%s = %.17g, scikit-learn %.17g", what, got, want)
	}
}

func TestSklearnAccumulator(t *testing.T) {
	for _, c := range loadSklearnCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			logits := c.logits32()
			if got := ArgMax(logits, c.Classes); fmt.Sprint(got) != fmt.Sprint(c.Pred) {
				t.Fatalf("arg-max differs from numpy's")
			}
			// Fed in uneven batches, and as two halves merged.
			whole := must(NewAccumulator(c.Classes))
			n := len(c.Targets)
			for i := 0; i < n; i += 7 {
				j := min(i+7, n)
				if err := whole.Add(c.Pred[i:j], c.Targets[i:j], logits[i*c.Classes:j*c.Classes]); err != nil {
					t.Fatal(err)
				}
			}
			a, b := must(NewAccumulator(c.Classes)), must(NewAccumulator(c.Classes))
			h := n / 3
			if err := a.Add(c.Pred[:h], c.Targets[:h], logits[:h*c.Classes]); err != nil {
				t.Fatal(err)
			}
			if err := b.Add(c.Pred[h:], c.Targets[h:], logits[h*c.Classes:]); err != nil {
				t.Fatal(err)
			}
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			for name, acc := range map[string]*Accumulator{"batches": whole, "merged": a} {
				if acc.Count() != n {
					t.Errorf("%s: Count %d, want %d", name, acc.Count(), n)
				}
				checkMetricsAgainst(t, name, c, acc)
			}
		})
	}
}

func checkMetricsAgainst(t *testing.T, name string, c *sklearnCase, acc *Accumulator) {
	t.Helper()
	m := acc.Metrics()
	want := map[string]float64{
		"accuracy01":          c.Accuracy,
		"precision/_micro":    c.Micro.Precision,
		"recall/_micro":       c.Micro.Recall,
		"f1/_micro":           c.Micro.F1,
		"precision/_macro":    c.Macro.Precision,
		"recall/_macro":       c.Macro.Recall,
		"f1/_macro":           c.Macro.F1,
		"precision/_weighted": c.Weighted.Precision,
		"recall/_weighted":    c.Weighted.Recall,
		"f1/_weighted":        c.Weighted.F1,
	}
	for k := 0; k < c.Classes; k++ {
		key := ClassKey(k, c.Classes)
		want["precision/"+key] = c.Precision[k]
		want["recall/"+key] = c.Recall[k]
		want["f1/"+key] = c.F1[k]
		want["support/"+key] = float64(c.Support[k])
	}
	for ks, v := range c.TopK {
		if v == nil {
			continue
		}
		var k int
		fmt.Sscan(ks, &k)
		want[fmt.Sprintf("accuracy%02d", k)] = *v
	}
	for key, w := range want {
		got, ok := m[key]
		if !ok {
			t.Errorf("%s: no key %q", name, key)
			continue
		}
		near(t, name+" "+key, got, w)
	}
	for _, fb := range c.FBeta {
		fm := acc.FBeta(fb.Beta)
		p := FBetaName(fb.Beta)
		near(t, name+" "+p+"/_micro", fm[p+"/_micro"], fb.Micro)
		near(t, name+" "+p+"/_macro", fm[p+"/_macro"], fb.Macro)
		near(t, name+" "+p+"/_weighted", fm[p+"/_weighted"], fb.Weighted)
		for k, v := range fb.PerClass {
			near(t, fmt.Sprintf("%s %s class %d", name, p, k), fm[p+"/"+ClassKey(k, c.Classes)], v)
		}
	}
	cm := acc.Confusion()
	if fmt.Sprint(cm) != fmt.Sprint(c.Confusion) {
		t.Errorf("%s: confusion matrix\n%v\nscikit-learn\n%v", name, cm, c.Confusion)
	}
	for y, row := range acc.ConfusionNormalized() {
		for p, v := range row {
			near(t, fmt.Sprintf("%s normalized[%d][%d]", name, y, p), v, c.ConfusionNormalized[y][p])
		}
	}
}

func TestSklearnReport(t *testing.T) {
	for _, c := range loadSklearnCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, fb := range c.FBeta {
				r, err := NewReport(c.Targets, c.logits32(), c.Classes, nil, ReportOptions{Beta: fb.Beta})
				if err != nil {
					t.Fatal(err)
				}
				near(t, "accuracy", r.Accuracy, c.Accuracy)
				if r.Support != int64(len(c.Targets)) {
					t.Errorf("support %d, want %d", r.Support, len(c.Targets))
				}
				for k, row := range r.Classes {
					near(t, fmt.Sprintf("class %d precision", k), row.Precision, c.Precision[k])
					near(t, fmt.Sprintf("class %d recall", k), row.Recall, c.Recall[k])
					near(t, fmt.Sprintf("class %d f1", k), row.F1, c.F1[k])
					near(t, fmt.Sprintf("class %d fbeta", k), *row.FBeta, fb.PerClass[k])
					near(t, fmt.Sprintf("class %d support_pct", k), row.SupportPct, 100*float64(c.Support[k])/float64(len(c.Targets)))
					if row.Support != c.Support[k] {
						t.Errorf("class %d support %d, want %d", k, row.Support, c.Support[k])
					}
					switch {
					case c.AUC[k] == nil && row.AUC != nil:
						t.Errorf("class %d: AUC %v, scikit-learn has none", k, *row.AUC)
					case c.AUC[k] != nil && row.AUC == nil:
						t.Errorf("class %d: no AUC, scikit-learn %v", k, *c.AUC[k])
					case c.AUC[k] != nil:
						near(t, fmt.Sprintf("class %d auc", k), *row.AUC, *c.AUC[k])
					}
				}
				for _, a := range []struct {
					name string
					got  AverageRow
					want avgJSON
					fb   float64
				}{{"micro", r.Micro, c.Micro, fb.Micro}, {"macro", r.Macro, c.Macro, fb.Macro}, {"weighted", r.Weighted, c.Weighted, fb.Weighted}} {
					near(t, a.name+" precision", a.got.Precision, a.want.Precision)
					near(t, a.name+" recall", a.got.Recall, a.want.Recall)
					near(t, a.name+" f1", a.got.F1, a.want.F1)
					near(t, a.name+" fbeta", *a.got.FBeta, a.fb)
				}
				if r.Micro.AUC != nil {
					t.Errorf("micro AUC %v, want none", *r.Micro.AUC)
				}
				near(t, "macro auc", *r.Macro.AUC, c.AUCMacro)
				near(t, "weighted auc", *r.Weighted.AUC, c.AUCWeighted)
				if fmt.Sprint(r.Confusion) != fmt.Sprint(c.Confusion) {
					t.Errorf("confusion matrix\n%v\nscikit-learn\n%v", r.Confusion, c.Confusion)
				}
			}
		})
	}
}

// TestSklearnFixtureCoverage checks that the fixtures hold the cases the
// issue asks for, so that regenerating them cannot silently drop one.
func TestSklearnFixtureCoverage(t *testing.T) {
	var absent, neverPredicted, ties bool
	for _, c := range loadSklearnCases(t) {
		predicted := make([]int64, c.Classes)
		for _, p := range c.Pred {
			predicted[p]++
		}
		for k := 0; k < c.Classes; k++ {
			absent = absent || c.Support[k] == 0
			neverPredicted = neverPredicted || predicted[k] == 0
		}
		for _, row := range c.Logits {
			for j := 1; j < len(row); j++ {
				ties = ties || row[j] == row[0]
			}
		}
	}
	if !absent || !neverPredicted || !ties {
		t.Errorf("fixtures: class absent from targets %v, class never predicted %v, tied logits %v; want all", absent, neverPredicted, ties)
	}
}
