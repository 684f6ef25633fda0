package evalkit

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestTopConfusions(t *testing.T) {
	// Rows: (target, arg-max, top logit). 0->1 three times, 2->1 twice,
	// 1->0 once, and right answers.
	rows := []struct {
		y, pred int32
		top     float32
	}{{0, 1, 2}, {0, 1, 5}, {0, 1, 3}, {2, 1, 4}, {2, 1, 4}, {1, 0, 1}, {1, 1, 9}, {2, 2, 9}}
	p := &Predictions{Classes: 3}
	for i, r := range rows {
		p.Index = append(p.Index, 100+i)
		p.Target = append(p.Target, r.y)
		l := []float32{0, 0, 0}
		l[r.pred] = r.top
		p.Logits = append(p.Logits, l...)
	}
	got, err := TopConfusions(p, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].True != 0 || got[0].Pred != 1 || got[0].Count != 3 || got[1].True != 2 || got[1].Count != 2 {
		t.Fatalf("pairs: %+v", got)
	}
	// Most confident first (logit 5, then 3); equal confidences by index.
	if !slices.Equal(got[0].Indices, []int{101, 102}) || !slices.Equal(got[1].Indices, []int{103, 104}) {
		t.Errorf("indices: %v, %v", got[0].Indices, got[1].Indices)
	}
	want := math.Exp(5) / (math.Exp(5) + 2)
	if math.Abs(got[0].Confidences[0]-want) > 1e-12 {
		t.Errorf("confidence %v, want %v", got[0].Confidences[0], want)
	}
	all, err := TopConfusions(p, 0, 0)
	if err != nil || len(all) != 3 || len(all[2].Indices) != 0 {
		t.Errorf("k = 0: %+v, %v", all, err)
	}
	var ie *InputError
	if _, err := TopConfusions(p, -1, 1); !errors.As(err, &ie) {
		t.Errorf("k = -1: %v", err)
	}
}

func TestCalibrationBinEdges(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want int
	}{{0, 0}, {1.0 / 15, 1}, {math.Nextafter(1.0/15, 0), 0}, {1.0 / 3, 5}, {0.2, 3}, {14.0 / 15, 14}, {math.Nextafter(1, 0), 14}, {1, 15}} {
		if got := binOf(tc.p); got != tc.want {
			t.Errorf("binOf(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
	// Three tied logits: confidence 1/3 exactly, bin 5; a sure row: the
	// extra bin [1, 1].
	c, err := Calibrate([]int32{0, 1}, []float32{0, 0, 0, 0, -1000, -1000}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bins) != 16 || c.Bins[5].Count != 1 || c.Bins[15].Count != 1 || c.Bins[15].Lower != 1 || c.Bins[15].Upper != 1 {
		t.Fatalf("bins: %+v", c.Bins)
	}
	// Row 0 is right at 1/3, row 1 wrong at 1.
	if want := (2.0/3 + 1) / 2; math.Abs(c.ECE-want) > 1e-15 || c.MCE != 1 {
		t.Errorf("ECE %v MCE %v, want %v, 1", c.ECE, c.MCE, want)
	}
	if _, err := Calibrate(nil, nil, 3); err == nil {
		t.Error("no rows: no error")
	}
}

func TestFitTemperatureEdges(t *testing.T) {
	// Flat rows: T = 1.
	if temp, _, _, err := FitTemperature([]int32{0, 1}, []float32{2, 2, -1, -1}, 2); err != nil || temp != 1 {
		t.Errorf("flat rows: T %v, %v", temp, err)
	}
	// Perfectly separated: the bracket's low end.
	if temp, _, _, err := FitTemperature([]int32{0, 1}, []float32{3, 0, 0, 3}, 2); err != nil || temp != MinTemperature {
		t.Errorf("separated: T %v, %v", temp, err)
	}
	if _, _, _, err := FitTemperature([]int32{0}, []float32{float32(math.NaN()), 0}, 2); err == nil {
		t.Error("NaN logit: no error")
	}
	s := ScaleLogits([]float32{2, -4}, 2)
	if s[0] != 1 || s[1] != -2 {
		t.Errorf("ScaleLogits: %v", s)
	}
}
