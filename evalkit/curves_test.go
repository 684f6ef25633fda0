package evalkit

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// curvesCase is one fixture of scripts/gen_sklearn_curves.py.
type curvesCase struct {
	Name    string      `json:"name"`
	Classes int         `json:"classes"`
	Targets []int32     `json:"targets"`
	Logits  [][]float64 `json:"logits"`
	Curves  []struct {
		Class int `json:"class"`
		PR    *struct {
			Precision, Recall, Thresholds []float64
		} `json:"pr"`
		AP  *float64 `json:"ap"`
		ROC *struct {
			FPR        []float64 `json:"fpr"`
			TPR        []float64 `json:"tpr"`
			Thresholds []float64 `json:"thresholds"`
		} `json:"roc"`
		AUC *float64 `json:"auc"`
	} `json:"curves"`
	Calibration Calibration `json:"calibration"`
	Temperature float64     `json:"temperature"`
	NLLBefore   float64     `json:"nll_before"`
	NLLAfter    float64     `json:"nll_after"`
}

func (c *curvesCase) logits32() []float32 {
	var out []float32
	for _, row := range c.Logits {
		for _, v := range row {
			out = append(out, float32(v))
		}
	}
	return out
}

func loadCurvesCases(t *testing.T) []*curvesCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/curves/*.json")
	if err != nil || len(paths) < 3 {
		t.Fatalf("curve fixtures: %v, %d files; run scripts/gen_sklearn_curves.py", err, len(paths))
	}
	var cases []*curvesCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := new(curvesCase)
		if err := json.Unmarshal(data, c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(c.Targets) == 0 || len(c.Logits) != len(c.Targets) || len(c.Curves) != c.Classes {
			t.Fatalf("%s: %d targets, %d logit rows, %d curves", p, len(c.Targets), len(c.Logits), len(c.Curves))
		}
		cases = append(cases, c)
	}
	return cases
}

const fixtureTol = 1e-9

func close9(a, b float64) bool { return math.Abs(a-b) <= fixtureTol }

func nearSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d\ngot  %v\nwant %v", what, len(got), len(want), got, want)
		return
	}
	for i := range got {
		if !close9(got[i], want[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

func TestCurvesSklearnFixtures(t *testing.T) {
	for _, c := range loadCurvesCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			curves, err := Curves(c.Targets, c.logits32(), c.Classes)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range c.Curves {
				got := curves[k]
				if want.PR == nil {
					if got.PR != nil || !math.IsNaN(got.AP) {
						t.Errorf("class %d: no positive row, got a PR curve (AP %v)", k, got.AP)
					}
				} else {
					var p, r []float64
					for _, pt := range got.PR {
						r, p = append(r, pt.X), append(p, pt.Y)
					}
					nearSlice(t, "precision", p, want.PR.Precision)
					nearSlice(t, "recall", r, want.PR.Recall)
					nearSlice(t, "PR thresholds", got.PRThresholds, want.PR.Thresholds)
					if !close9(got.AP, *want.AP) {
						t.Errorf("class %d: AP %v, want %v", k, got.AP, *want.AP)
					}
				}
				if want.ROC == nil {
					if got.ROC != nil || !math.IsNaN(got.AUC) {
						t.Errorf("class %d: got a ROC curve without positives and negatives", k)
					}
					continue
				}
				var fpr, tpr []float64
				for _, pt := range got.ROC {
					fpr, tpr = append(fpr, pt.X), append(tpr, pt.Y)
				}
				nearSlice(t, "fpr", fpr, want.ROC.FPR)
				nearSlice(t, "tpr", tpr, want.ROC.TPR)
				if len(got.ROCThresholds) == 0 || !math.IsInf(got.ROCThresholds[0], 1) {
					t.Errorf("class %d: first ROC threshold %v, want +Inf", k, got.ROCThresholds)
				} else {
					nearSlice(t, "ROC thresholds", got.ROCThresholds[1:], want.ROC.Thresholds)
				}
				if !close9(got.AUC, *want.AUC) {
					t.Errorf("class %d: AUC %v, want %v", k, got.AUC, *want.AUC)
				}
			}
			// The report carries the same APs, and their mean over the
			// classes that have one.
			r, err := NewReport(c.Targets, c.logits32(), c.Classes, nil, ReportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			var n int
			for k, row := range r.Classes {
				switch want := c.Curves[k].AP; {
				case want == nil && row.AP != nil:
					t.Errorf("report class %d: AP %v, want none", k, *row.AP)
				case want != nil && (row.AP == nil || !close9(*row.AP, *want)):
					t.Errorf("report class %d: AP %v, want %v", k, row.AP, *want)
				case want != nil:
					sum += *want
					n++
				}
			}
			if r.Macro.AP == nil || !close9(*r.Macro.AP, sum/float64(n)) {
				t.Errorf("macro AP %v, want %v", r.Macro.AP, sum/float64(n))
			}
		})
	}
}

func TestCalibrationFixtures(t *testing.T) {
	for _, c := range loadCurvesCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err := Calibrate(c.Targets, c.logits32(), c.Classes)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Calibration
			if !close9(got.ECE, want.ECE) || !close9(got.MCE, want.MCE) {
				t.Errorf("ECE %v, MCE %v; want %v, %v", got.ECE, got.MCE, want.ECE, want.MCE)
			}
			if len(got.Bins) != len(want.Bins) {
				t.Fatalf("%d bins, want %d", len(got.Bins), len(want.Bins))
			}
			for k, b := range got.Bins {
				w := want.Bins[k]
				if b.Count != w.Count || b.Lower != w.Lower || b.Upper != w.Upper || !close9(b.Confidence, w.Confidence) || !close9(b.Accuracy, w.Accuracy) {
					t.Errorf("bin %d: %+v, want %+v", k, b, w)
				}
			}
		})
	}
}

func TestTemperatureFixtures(t *testing.T) {
	for _, c := range loadCurvesCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			temp, after, before, err := FitTemperature(c.Targets, c.logits32(), c.Classes)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(temp-c.Temperature) > fixtureTol*c.Temperature || !close9(after, c.NLLAfter) || !close9(before, c.NLLBefore) {
				t.Errorf("T %v, NLL %v -> %v; want %v, %v -> %v", temp, before, after, c.Temperature, c.NLLBefore, c.NLLAfter)
			}
			if after > before {
				t.Errorf("the fitted NLL %v is above T = 1's %v", after, before)
			}
		})
	}
}
