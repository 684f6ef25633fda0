package htmlreport

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"
)

// fullPage returns a Page with every section filled with synthetic data,
// thumbnails included; its first class name carries markup that must be
// escaped.
func fullPage(t testing.TB) *Page {
	t.Helper()
	names := []string{"<script>alert(1)</script>", "trouser", "pullover", "dress"}
	k := len(names)
	p := &Page{
		Title: "wgtrain report: exp01", Split: "test", Epoch: 7, BestEpoch: 7, Samples: 400,
		Accuracy: 0.8125, MacroF1: 0.80375, WeightedF1: 0.8075, MacroAUC: 0.9625, ECE: 0.0421,
		Classes: names,
	}
	for i, n := range names {
		p.Rows = append(p.Rows, ClassRow{Name: n, Precision: 0.7 + 0.05*float64(i), Recall: 0.8, F1: 0.75,
			AUC: 0.95, AP: 0.9 - 0.1*float64(i), Support: 100})
	}
	p.Rows[3].AUC = math.NaN()
	for i := range k {
		row := make([]int64, k)
		for j := range k {
			row[j] = int64(5 * ((i + j) % 3))
		}
		row[i] = 80
		p.Confusion = append(p.Confusion, row)
	}
	for _, key := range []string{"loss", "accuracy01"} {
		cs := CurveSet{Key: key}
		for li, loader := range []string{"train", "valid"} {
			s := Series{Loader: loader}
			for e := 1; e <= 10; e++ {
				v := 1 / float64(e+li)
				if key != "loss" {
					v = 1 - v/2
				}
				s.Epochs, s.Values = append(s.Epochs, e), append(s.Values, v)
			}
			cs.Series = append(cs.Series, s)
		}
		p.Curves = append(p.Curves, cs)
	}
	for i, n := range names {
		var pr, roc ClassCurve
		pr.Class, roc.Class = n, n
		pr.Area, roc.Area = 0.9-0.1*float64(i), 0.95
		for s := 0; s <= 1000; s++ {
			x := float64(s) / 1000
			pr.X, pr.Y = append(pr.X, x), append(pr.Y, 1-0.5*x*x)
			roc.X, roc.Y = append(roc.X, x), append(roc.Y, math.Sqrt(x))
		}
		p.PR, p.ROC = append(p.PR, pr), append(p.ROC, roc)
	}
	rel := &Reliability{ECE: 0.0421, MCE: 0.1234, Temperature: 1.37, ECEAfter: 0.0150, MCEAfter: 0.0612}
	for b := range 15 {
		lo, hi := float64(b)/15, float64(b+1)/15
		rel.Bins = append(rel.Bins, Bin{Lo: lo, Hi: hi, Confidence: (lo + hi) / 2, Accuracy: (lo + hi) / 2 * 0.9, Count: b * 3})
	}
	p.Reliability = rel
	thumb := testPNG(t)
	p.Confusions = []Confused{
		{True: 2, Pred: 0, Count: 15, Examples: []Example{{Index: 17, Confidence: 0.97, PNG: thumb}, {Index: 301, Confidence: 0.91, PNG: thumb}}},
		{True: 0, Pred: 3, Count: 10, Examples: []Example{{Index: 5, Confidence: 0.88, PNG: thumb}}},
	}
	p.Thresholds = &ThresholdsCV{Objective: "accuracy", Mean: -0.0011, SE: 0.0009, Keep: false, TestWith: 0.8120, TestWithout: 0.8125,
		Folds: []Fold{{-0.002, 0.80, 0.802}, {0.001, 0.811, 0.810}, {-0.0025, 0.79, 0.7925}}}
	return p
}

// testPNG is a 28×28 grey gradient with a dark square, as a PNG.
func testPNG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := range 28 {
		for x := range 28 {
			v := uint8(9 * x)
			if x > 8 && x < 20 && y > 8 && y < 20 {
				v = 20
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sectionIDs are the ids of the sections a full page has.
var sectionIDs = []string{"headline", "classes", "confusion", "curves", "pr", "roc", "reliability", "confusions", "thresholds"}
