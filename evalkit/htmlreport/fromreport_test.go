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
	p := FromReport(r)
	if p.Split != "test" || p.Epoch != 4 || p.Samples != 3 || p.Accuracy != r.Accuracy || p.MacroF1 != r.Macro.F1 ||
		p.WeightedF1 != r.Weighted.F1 || !math.IsNaN(p.ECE) {
		t.Errorf("headline: %+v", p)
	}
	if !reflect.DeepEqual(p.Classes, []string{"cat", "dog"}) || len(p.Rows) != 2 || p.Rows[1].Recall != 1 || p.Rows[0].Support != 1 ||
		!math.IsNaN(p.Rows[0].AP) || !reflect.DeepEqual(p.Confusion, [][]int64{{0, 1}, {0, 2}}) {
		t.Errorf("classes: %+v %+v %v", p.Classes, p.Rows, p.Confusion)
	}
}

func TestSelectCurves(t *testing.T) {
	sets := []CurveSet{{Key: "accuracy01"}, {Key: "f1/_macro"}, {Key: "loss"}}
	got := SelectCurves(sets, "loss", "accuracy01", "loss", "missing")
	if len(got) != 2 || got[0].Key != "loss" || got[1].Key != "accuracy01" {
		t.Errorf("SelectCurves = %+v", got)
	}
}
