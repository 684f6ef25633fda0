package htmlreport

import (
	"fmt"
	"math"
	"slices"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
)

// FromReport returns a Page with what a classification report holds: the
// split, the epoch, the number of samples, the headline numbers, the
// per-class table with average precision, the confusion matrix, the
// calibration (ECE, MCE, the reliability bins and a fitted temperature)
// and the most confused pairs (without thumbnails). The curves, the
// thresholds and the thumbnails are left for the caller to fill
// (AddCurves, AddThresholds, Thumbnail).
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
			AUC: orNaN(c.AUC), AP: orNaN(c.AP), Support: c.Support})
	}
	if c := r.Calibration; c != nil {
		p.ECE = c.ECE
		rel := &Reliability{ECE: c.ECE, MCE: c.MCE, Temperature: math.NaN(), ECEAfter: math.NaN(), MCEAfter: math.NaN()}
		for _, b := range c.Bins {
			rel.Bins = append(rel.Bins, Bin{Lo: b.Lower, Hi: b.Upper, Confidence: b.Confidence, Accuracy: b.Accuracy, Count: int(b.Count)})
		}
		if t := r.Temperature; t != nil {
			rel.Temperature, rel.ECEAfter, rel.MCEAfter = t.Temperature, t.ECEAfter, t.MCEAfter
		}
		p.Reliability = rel
	}
	for _, c := range r.TopConfusions {
		cf := Confused{True: c.True, Pred: c.Pred, Count: int(c.Count)}
		for i, idx := range c.Indices {
			cf.Examples = append(cf.Examples, Example{Index: idx, Confidence: c.Confidences[i]})
		}
		p.Confusions = append(p.Confusions, cf)
	}
	return p
}

// AddCurves adds each class's precision-recall curve (with its average
// precision) and ROC curve (with its AUC) of cs to p; a class without one
// (no positive or no negative row) is left out of that chart.
func (p *Page) AddCurves(cs []evalkit.ClassCurves) {
	for _, c := range cs {
		name := fmt.Sprint(c.Class)
		if c.Class >= 0 && c.Class < len(p.Classes) {
			name = p.Classes[c.Class]
		}
		if len(c.PR) > 0 {
			p.PR = append(p.PR, classCurve(name, c.AP, c.PR))
		}
		if len(c.ROC) > 0 {
			p.ROC = append(p.ROC, classCurve(name, c.AUC, c.ROC))
		}
	}
}

func classCurve(name string, area float64, pts []evalkit.Point) ClassCurve {
	cc := ClassCurve{Class: name, Area: area, X: make([]float64, len(pts)), Y: make([]float64, len(pts))}
	for i, q := range pts {
		cc.X[i], cc.Y[i] = q.X, q.Y
	}
	return cc
}

// AddThresholds adds the cross-validated verdict on per-class thresholds,
// with the held-out split's scores when cv has them.
func (p *Page) AddThresholds(cv *evalkit.ThresholdsCV) {
	if cv == nil {
		return
	}
	t := &ThresholdsCV{Objective: string(cv.Objective), Mean: cv.Mean, SE: cv.SE, Keep: cv.Keep,
		TestWith: math.NaN(), TestWithout: math.NaN()}
	for _, f := range cv.Folds {
		t.Folds = append(t.Folds, Fold{Gain: f.Gain, With: f.With, Without: f.Without})
	}
	if h := cv.HeldOut; h != nil {
		t.TestWith, t.TestWithout = h.With, h.Without
	}
	p.Thresholds = t
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

// AddThumbnails draws the thumbnail of every confused pair's example from
// split, the split the examples' sample indices refer to; an index
// outside it gets none.
func (p *Page) AddThumbnails(split *datasets.Split) {
	for i := range p.Confusions {
		for j := range p.Confusions[i].Examples {
			ex := &p.Confusions[i].Examples[j]
			if ex.Index >= 0 && ex.Index < split.Len() {
				ex.PNG, _ = Thumbnail(split, ex.Index)
			}
		}
	}
}
