package evalkit

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A small case computed by hand. Predictions (arg-max of the logits):
// rows 0-5 predict 0, 0, 1, 1, 1, 0 for targets 0, 0, 0, 1, 1, 2:
//
//	class 0: tp 2, predicted 3, support 3: P 2/3, R 2/3, F1 2/3
//	class 1: tp 2, predicted 3, support 2: P 2/3, R 1,   F1 4/5
//	class 2: tp 0, predicted 0, support 1: P 0,   R 0,   F1 0
//
// Accuracy 4/6. AUC one-vs-rest from the softmax scores: class 0's
// positives (rows 0-2) beat 6 of the 9 negatives' scores (row 5 scores
// above rows 1 and 2, row 3 above row 2); class 1's positives beat all
// negatives; class 2's one positive (row 5) beats 4 of 5. Macro AUC
// (2/3 + 1 + 4/5)/3, weighted (2/3*3 + 1*2 + 4/5*1)/6 = 0.8.
var (
	repTargets = []int32{0, 0, 0, 1, 1, 2}
	repLogits  = []float32{
		3, 0, 0,
		2, 1, 0,
		0, 1, 0,
		1, 2, 0,
		0, 3, 0,
		2, 0, 0.5,
	}
)

func TestReportByHand(t *testing.T) {
	r, err := NewReport(repTargets, repLogits, 3, []string{"cat", "dog", "bird"}, ReportOptions{Beta: 2})
	if err != nil {
		t.Fatal(err)
	}
	const eps = 1e-15
	want := []struct{ p, r, f1, f2 float64 }{
		{2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3},
		{2.0 / 3, 1, 0.8, 10.0 / 11},
		{0, 0, 0, 0},
	}
	for k, w := range want {
		c := r.Classes[k]
		if math.Abs(c.Precision-w.p) > eps || math.Abs(c.Recall-w.r) > eps || math.Abs(c.F1-w.f1) > eps || math.Abs(*c.FBeta-w.f2) > eps {
			t.Errorf("class %d: %+v (fbeta %v), want %+v", k, c, *c.FBeta, w)
		}
	}
	if math.Abs(r.Accuracy-4.0/6) > eps || r.Support != 6 {
		t.Errorf("accuracy %v support %d", r.Accuracy, r.Support)
	}
	if math.Abs(r.Macro.F1-(2.0/3+0.8)/3) > eps || math.Abs(r.Weighted.F1-(2+1.6)/6) > eps || math.Abs(r.Micro.F1-4.0/6) > eps {
		t.Errorf("macro %v weighted %v micro %v", r.Macro.F1, r.Weighted.F1, r.Micro.F1)
	}
	if r.Classes[0].SupportPct != 50 || r.Micro.SupportPct != 100 {
		t.Errorf("support share %v, %v", r.Classes[0].SupportPct, r.Micro.SupportPct)
	}
	for k, want := range []float64{6.0 / 9, 1, 0.8} {
		if got := *r.Classes[k].AUC; math.Abs(got-want) > eps {
			t.Errorf("class %d AUC %v, want %v", k, got, want)
		}
	}
	if math.Abs(*r.Macro.AUC-(6.0/9+1+0.8)/3) > eps || math.Abs(*r.Weighted.AUC-0.8) > eps {
		t.Errorf("AUC macro %v, weighted %v", *r.Macro.AUC, *r.Weighted.AUC)
	}
	// And by brute force over the pairs, ties one half.
	scores := Softmax(repLogits, 3)
	for k := 0; k < 3; k++ {
		var num, den float64
		for i := range repTargets {
			for j := range repTargets {
				if repTargets[i] != int32(k) || repTargets[j] == int32(k) {
					continue
				}
				den++
				switch si, sj := scores[i*3+k], scores[j*3+k]; {
				case si > sj:
					num++
				case si == sj:
					num += 0.5
				}
			}
		}
		if got := *r.Classes[k].AUC; math.Abs(got-num/den) > eps {
			t.Errorf("class %d AUC %v, want %v", k, got, num/den)
		}
	}
	wantCM := [][]int64{{2, 1, 0}, {0, 2, 0}, {1, 0, 0}}
	for y := range wantCM {
		if !slices.Equal(r.Confusion[y], wantCM[y]) {
			t.Errorf("confusion %v, want %v", r.Confusion, wantCM)
		}
	}
}

func TestReportText(t *testing.T) {
	r, err := NewReport(repTargets, repLogits, 3, []string{"cat", "dog", "très|long name"}, ReportOptions{Beta: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := `Classification report

                precision  recall  f1-score  f2-score     auc  support       %

           cat     0.6667  0.6667    0.6667    0.6667  0.6667        3   50.00
           dog     0.6667  1.0000    0.8000    0.9091  1.0000        2   33.33
très|long name     0.0000  0.0000    0.0000    0.0000  0.8000        1   16.67

      accuracy                       0.6667                          6  100.00
     micro avg     0.6667  0.6667    0.6667    0.6667                6  100.00
     macro avg     0.4444  0.5556    0.4889    0.5253  0.8222        6  100.00
  weighted avg     0.5556  0.6667    0.6000    0.6364  0.8000        6  100.00
`
	if got := r.Text(); got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}
}

func TestReportCSV(t *testing.T) {
	r, err := NewReport(repTargets, repLogits, 3, []string{"cat", "dog, \"the\" best", "bird"}, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(r.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(recs[0], ","); h != "class,name,precision,recall,f1,auc,support,support_pct" {
		t.Errorf("header %q", h)
	}
	if len(recs) != 1+3+4 {
		t.Fatalf("%d records, want 8", len(recs))
	}
	if recs[2][1] != `dog, "the" best` {
		t.Errorf("name %q", recs[2][1])
	}
	for k, c := range r.Classes {
		rec := recs[1+k]
		for i, want := range []float64{c.Precision, c.Recall, c.F1, *c.AUC, float64(c.Support), c.SupportPct} {
			got, err := strconv.ParseFloat(rec[2+i], 64)
			if err != nil || got != want {
				t.Errorf("class %d column %s: %q, want %v exactly", k, recs[0][2+i], rec[2+i], want)
			}
		}
	}
	acc := recs[4]
	if acc[0] != "" || acc[1] != "accuracy" || acc[2] != "" || acc[4] != strconv.FormatFloat(r.Accuracy, 'g', -1, 64) {
		t.Errorf("accuracy row %q", acc)
	}
	if recs[7][1] != "weighted avg" || recs[5][5] != "" {
		t.Errorf("summary rows %q", recs[5:])
	}
}

func TestReportMarkdown(t *testing.T) {
	r, err := NewReport(repTargets, repLogits, 3, []string{"a|b", "*c*", "d"}, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(r.Markdown(), "\n"), "\n")
	if len(lines) != 2+3+4 {
		t.Fatalf("%d lines:\n%s", len(lines), r.Markdown())
	}
	for _, l := range lines {
		// Unescaped pipes delimit the cells: 7 columns, 8 pipes.
		if n := strings.Count(l, "|") - strings.Count(l, `\|`); n != 8 {
			t.Errorf("%d cell delimiters in %q", n, l)
		}
	}
	if !strings.HasPrefix(lines[2], `| a\|b | 0.6667 |`) || !strings.HasPrefix(lines[3], `| \*c\* |`) {
		t.Errorf("escaping: %q, %q", lines[2], lines[3])
	}
	if !strings.HasPrefix(lines[5], "| **accuracy** |") {
		t.Errorf("accuracy row %q", lines[5])
	}
}

// TestReportJSONShape pins the documented JSON shape (docs/SPEC.md §8.2).
func TestReportJSONShape(t *testing.T) {
	keys := func(m map[string]any) string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		sort.Strings(k)
		return strings.Join(k, ",")
	}
	for _, tc := range []struct {
		opts                ReportOptions
		top, class, average string
	}{
		{ReportOptions{},
			"accuracy,calibration,classes,confusion_matrix,macro,micro,support,top_confusions,weighted",
			"auc,average_precision,class,f1,name,precision,recall,support,support_pct",
			"auc,average_precision,f1,precision,recall,support,support_pct"},
		{ReportOptions{Beta: 0.5, Thresholds: []float64{0.9, 0.1, 0.1}},
			"accuracy,beta,calibration,classes,confusion_matrix,macro,micro,support,thresholds,top_confusions,weighted",
			"auc,average_precision,class,f1,fbeta,name,precision,recall,support,support_pct",
			"auc,average_precision,f1,fbeta,precision,recall,support,support_pct"},
	} {
		r, err := NewReport(repTargets, repLogits, 3, nil, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		class := m["classes"].([]any)[0].(map[string]any)
		if keys(m) != tc.top || keys(class) != tc.class || keys(m["macro"].(map[string]any)) != tc.average {
			t.Errorf("keys: top %s, class %s, macro %s", keys(m), keys(class), keys(m["macro"].(map[string]any)))
		}
		if micro := keys(m["micro"].(map[string]any)); strings.Contains(micro, "auc") {
			t.Errorf("micro has an AUC: %s", micro)
		}
		if class["name"] != "0" || class["class"] != 0.0 {
			t.Errorf("class 0: %v", class)
		}
		// It reads back into a Report equal to the original.
		var back Report
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := back.JSON()
		if string(b2) != string(b) {
			t.Errorf("JSON does not round-trip:\n%s\n%s", b, b2)
		}
	}
}

// TestReportAUCLeftOut: a single class has no negatives and a class
// without rows no positives; their AUC is left out, and with it the
// averages when no class has one.
func TestReportAUCLeftOut(t *testing.T) {
	r, err := NewReport([]int32{0, 0}, []float32{1, 2}, 1, nil, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Classes[0].AUC != nil || r.Macro.AUC != nil || r.Weighted.AUC != nil {
		t.Errorf("single class: AUC present")
	}
	b, _ := r.JSON()
	if strings.Contains(string(b), "auc") {
		t.Errorf("JSON has an auc:\n%s", b)
	}
	if r.Accuracy != 1 || r.Classes[0].F1 != 1 {
		t.Errorf("single class: accuracy %v F1 %v", r.Accuracy, r.Classes[0].F1)
	}
	// Single sample of three classes: every AUC undefined.
	r, err = NewReport([]int32{2}, []float32{0, 1, 0}, 3, nil, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy != 0 || r.Macro.AUC != nil || r.Classes[2].AUC != nil {
		t.Errorf("single sample: %+v", r)
	}
}

func TestReportThresholds(t *testing.T) {
	th := []float64{0.9, 0.2, 0.2}
	r, err := NewReport(repTargets, repLogits, 3, nil, ReportOptions{Thresholds: th})
	if err != nil {
		t.Fatal(err)
	}
	pred := must(PredictWithThresholds(Softmax(repLogits, 3), 3, th))
	if want := must(Score(pred, repTargets, 3, Accuracy)); r.Accuracy != want {
		t.Errorf("accuracy %v, want %v", r.Accuracy, want)
	}
	if want := must(Score(pred, repTargets, 3, F1Macro)); r.Macro.F1 != want {
		t.Errorf("macro F1 %v, Score says %v (must be bit-identical)", r.Macro.F1, want)
	}
	if want := must(Score(pred, repTargets, 3, F1Weighted)); r.Weighted.F1 != want {
		t.Errorf("weighted F1 %v, Score says %v", r.Weighted.F1, want)
	}
	if want := must(Score(pred, repTargets, 3, F1Micro)); r.Micro.F1 != want {
		t.Errorf("micro F1 %v, Score says %v", r.Micro.F1, want)
	}
}

func TestReportBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		targets []int32
		logits  []float32
		names   []string
		opts    ReportOptions
	}{
		{"names", repTargets, repLogits, []string{"a"}, ReportOptions{}},
		{"beta", repTargets, repLogits, nil, ReportOptions{Beta: -1}},
		{"thresholds", repTargets, repLogits, nil, ReportOptions{Thresholds: []float64{1}}},
		{"target", []int32{3}, []float32{1, 2, 3}, nil, ReportOptions{}},
		{"unknown", []int32{-1}, []float32{1, 2, 3}, nil, ReportOptions{}},
		{"logits", []int32{0}, []float32{1, 2}, nil, ReportOptions{}},
		{"NaN", []int32{0}, []float32{1, float32(math.NaN()), 3}, nil, ReportOptions{}},
		{"empty", nil, nil, nil, ReportOptions{}},
	} {
		_, err := NewReport(tc.targets, tc.logits, 3, tc.names, tc.opts)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v, want *InputError", tc.name, err)
		}
	}
}
