package htmlreport

import (
	"math"
	"slices"

	"github.com/wgtrain/wgtrain/evalkit"
)

// FromReport returns a Page with what a classification report holds: the
// split, the epoch, the number of samples, the headline numbers, the
// per-class table and the confusion matrix. Everything else is left
// unknown (ECE and AP are NaN) for the caller to fill.
func FromReport(r *evalkit.Report) *Page {
	p := &Page{
		Title: "wgtrain report", Split: r.Split, Epoch: r.Epoch, Samples: int(r.Support),
		Accuracy: r.Accuracy, MacroF1: r.Macro.F1, WeightedF1: r.Weighted.F1, MacroAUC: orNaN(r.Macro.AUC),
		ECE: math.NaN(), Confusion: r.Confusion,
	}
	if r.Split != "" {
		p.Title += ": " + r.Split + " split"
	}
	for _, c := range r.Classes {
		p.Classes = append(p.Classes, c.Name)
		p.Rows = append(p.Rows, ClassRow{Name: c.Name, Precision: c.Precision, Recall: c.Recall, F1: c.F1,
			AUC: orNaN(c.AUC), AP: math.NaN(), Support: c.Support})
	}
	return p
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// SelectCurves returns the curve sets of the given keys, in that order,
// each once; keys without a set are skipped.
func SelectCurves(sets []CurveSet, keys ...string) []CurveSet {
	var out []CurveSet
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			continue
		}
		for _, s := range sets {
			if s.Key == k {
				out = append(out, s)
			}
		}
	}
	return out
}
