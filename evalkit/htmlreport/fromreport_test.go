package htmlreport

import (
	"math"
	"reflect"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

func TestFromReport(t *testing.T) {
	// Three samples of two classes; class 1 is predicted for all.
	r, err := evalkit.NewReport([]int32{0, 1, 1}, []float32{0, 1, 0, 2, 0, 3}, 2, []string{"cat", "dog"},
		evalkit.ReportOptions{Split: "test", Epoch: 4})
	if err != nil {
		t.Fatal(err)
	}
	r.Temperature = &evalkit.TemperatureScaling{Temperature: 1.5, ECEAfter: 0.125, MCEAfter: 0.25}
	p := FromReport(r)
	if p.Split != "test" || p.Epoch != 4 || p.Samples != 3 || p.Accuracy != r.Accuracy || p.MacroF1 != r.Macro.F1 ||
		p.WeightedF1 != r.Weighted.F1 || p.ECE != r.Calibration.ECE || math.IsNaN(p.ECE) {
		t.Errorf("headline: %+v", p)
	}
	if !reflect.DeepEqual(p.Classes, []string{"cat", "dog"}) || len(p.Rows) != 2 || p.Rows[1].Recall != 1 || p.Rows[0].Support != 1 ||
		p.Rows[0].AP != *r.Classes[0].AP || !reflect.DeepEqual(p.Confusion, [][]int64{{0, 1}, {0, 2}}) {
		t.Errorf("classes: %+v %+v %v", p.Classes, p.Rows, p.Confusion)
	}
	rel := p.Reliability
	if rel == nil || rel.ECE != r.Calibration.ECE || rel.MCE != r.Calibration.MCE || len(rel.Bins) != len(r.Calibration.Bins) ||
		rel.Temperature != 1.5 || rel.ECEAfter != 0.125 || rel.MCEAfter != 0.25 {
		t.Fatalf("reliability: %+v", rel)
	}
	for i, b := range r.Calibration.Bins {
		if g := rel.Bins[i]; g.Lo != b.Lower || g.Hi != b.Upper || g.Count != int(b.Count) || g.Accuracy != b.Accuracy || g.Confidence != b.Confidence {
			t.Errorf("bin %d: %+v, want %+v", i, g, b)
		}
	}
	// The one mistake: sample 0 (cat) predicted as dog.
	if len(p.Confusions) != 1 || p.Confusions[0].True != 0 || p.Confusions[0].Pred != 1 || p.Confusions[0].Count != 1 ||
		len(p.Confusions[0].Examples) != 1 || p.Confusions[0].Examples[0].Index != 0 {
		t.Errorf("confusions: %+v", p.Confusions)
	}
}

func TestAddCurvesAndThresholds(t *testing.T) {
	targets, logits := []int32{0, 1, 1, 2}, []float32{2, 0, 0, 0, 1, 0, 1, 2, 0, 0, 0, 1}
	cs, err := evalkit.Curves(targets, logits, 3)
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{Classes: []string{"a", "b", "c"}}
	p.AddCurves(cs)
	if len(p.PR) != 3 || len(p.ROC) != 3 || p.PR[1].Class != "b" || p.PR[1].Area != cs[1].AP || p.ROC[2].Area != cs[2].AUC ||
		len(p.ROC[0].X) != len(cs[0].ROC) || p.ROC[0].Y[len(p.ROC[0].Y)-1] != cs[0].ROC[len(cs[0].ROC)-1].Y {
		t.Errorf("curves: %+v", p)
	}
	p.AddThresholds(nil)
	if p.Thresholds != nil {
		t.Error("AddThresholds(nil) added a section")
	}
	cv := &evalkit.ThresholdsCV{Objective: evalkit.Accuracy, K: 2, Folds: []evalkit.CVFold{{Gain: 0.5, With: 1, Without: 0.5}, {Gain: 0}},
		Mean: 0.25, SE: 0.25, HeldOut: &evalkit.HeldOut{Split: "test", With: 0.75, Without: 0.5}}
	p.AddThresholds(cv)
	th := p.Thresholds
	if th == nil || th.Objective != "accuracy" || len(th.Folds) != 2 || th.Folds[0].With != 1 || th.Mean != 0.25 || th.Keep ||
		th.TestWith != 0.75 || th.TestWithout != 0.5 {
		t.Errorf("thresholds: %+v", th)
	}
}

func TestSelectCurves(t *testing.T) {
	sets := []CurveSet{{Key: "accuracy01"}, {Key: "f1/_macro"}, {Key: "loss"}}
	got := SelectCurves(sets, "loss", "accuracy01", "loss", "missing")
	if len(got) != 2 || got[0].Key != "loss" || got[1].Key != "accuracy01" {
		t.Errorf("SelectCurves = %+v", got)
	}
}
