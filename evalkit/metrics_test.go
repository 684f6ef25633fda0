package evalkit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// exact compares metric maps computed by hand: the values below are exact
// fractions, so 1e-15 is room for the last bit only.
func checkKeys(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no key %q", k)
			continue
		}
		if !(math.Abs(g-w) <= 1e-15) {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
}

func TestMetricsByHand(t *testing.T) {
	tests := []struct {
		name    string
		classes int
		target  []int32
		pred    []int32
		logits  []float32
		want    map[string]float64
		absent  []string // keys that must not be there
	}{{
		// Class 2 is never predicted, class 3 absent from the targets:
		// their precision or recall has a zero denominator and is 0.
		name:    "never predicted and absent",
		classes: 4,
		target:  []int32{0, 0, 0, 1, 1, 2},
		pred:    []int32{0, 0, 3, 0, 1, 1},
		want: map[string]float64{
			"accuracy01":       0.5,
			"precision/_micro": 0.5, "recall/_micro": 0.5, "f1/_micro": 0.5,
			"precision/_macro": 7.0 / 24, "recall/_macro": 7.0 / 24, "f1/_macro": 7.0 / 24,
			"precision/_weighted": 0.5, "recall/_weighted": 0.5, "f1/_weighted": 0.5,
			"precision/class_00": 2.0 / 3, "recall/class_00": 2.0 / 3, "f1/class_00": 2.0 / 3, "support/class_00": 3,
			"precision/class_01": 0.5, "recall/class_01": 0.5, "f1/class_01": 0.5, "support/class_01": 2,
			"precision/class_02": 0, "recall/class_02": 0, "f1/class_02": 0, "support/class_02": 1,
			"precision/class_03": 0, "recall/class_03": 0, "f1/class_03": 0, "support/class_03": 0,
		},
		absent: []string{"accuracy03", "accuracy05"}, // no logits
	}, {
		name:    "single class",
		classes: 1,
		target:  []int32{0, 0, 0},
		pred:    []int32{0, 0, 0},
		logits:  []float32{1, 2, 3},
		want: map[string]float64{
			"accuracy01": 1, "precision/_macro": 1, "recall/_weighted": 1, "f1/_micro": 1,
			"precision/class_00": 1, "recall/class_00": 1, "f1/class_00": 1, "support/class_00": 3,
		},
		absent: []string{"accuracy03", "accuracy05", "precision/class_01"},
	}, {
		name:    "single sample",
		classes: 3,
		target:  []int32{2},
		pred:    []int32{1},
		want: map[string]float64{
			"accuracy01": 0, "precision/_micro": 0, "f1/_macro": 0, "f1/_weighted": 0,
			"precision/class_01": 0, "recall/class_01": 0, "support/class_01": 0,
			"precision/class_02": 0, "recall/class_02": 0, "support/class_02": 1,
		},
	}, {
		// P = 1/2 and R = 1 for class 0; P = 0, R = 0 for class 1.
		name:    "precision differs from recall",
		classes: 2,
		target:  []int32{0, 1},
		pred:    []int32{0, 0},
		want: map[string]float64{
			"accuracy01": 0.5, "precision/class_00": 0.5, "recall/class_00": 1, "f1/class_00": 2.0 / 3,
			"f1/class_01": 0, "f1/_macro": 1.0 / 3, "f1/_weighted": 1.0 / 3,
			"precision/_weighted": 0.25, "recall/_weighted": 0.5,
		},
	}, {
		// Top-k with tied logits: ties rank the lower class first, so
		// target 3 of an all-equal row is fourth (a miss at k = 3, a hit
		// at k = 5); target 0 of the same row is first.
		name:    "top-k ties",
		classes: 6,
		target:  []int32{3, 0, 0},
		pred:    []int32{0, 0, 1},
		logits: []float32{
			1, 1, 1, 1, 1, 1,
			1, 1, 1, 1, 1, 1,
			0, 9, 8, 7, 6, 5, // target 0 is sixth
		},
		want: map[string]float64{"accuracy01": 1.0 / 3, "accuracy03": 1.0 / 3, "accuracy05": 2.0 / 3},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := must(NewAccumulator(tc.classes))
			if err := a.Add(tc.pred, tc.target, tc.logits); err != nil {
				t.Fatal(err)
			}
			m := a.Metrics()
			checkKeys(t, m, tc.want)
			for _, k := range tc.absent {
				if _, ok := m[k]; ok {
					t.Errorf("key %q present, want it left out", k)
				}
			}
			// Every per-class key for every class, and nothing else.
			want := 10 + 4*tc.classes
			for _, k := range []int{3, 5} {
				if tc.logits != nil && tc.classes > k {
					want++
				}
			}
			if len(m) != want {
				t.Errorf("%d keys, want %d: %v", len(m), want, m)
			}
		})
	}
}

func TestFBetaByHand(t *testing.T) {
	a := must(NewAccumulator(2))
	// Class 0: P = 1/2, R = 1. Class 1: P = 0, R = 0.
	if err := a.Add([]int32{0, 0}, []int32{0, 1}, nil); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, a.FBeta(2), map[string]float64{
		"f2/class_00": 5.0 / 6, "f2/class_01": 0, "f2/_macro": 5.0 / 12, "f2/_weighted": 5.0 / 12, "f2/_micro": 0.5,
	})
	checkKeys(t, a.FBeta(0.5), map[string]float64{"f0.5/class_00": 5.0 / 9})
}

func TestConfusionByHand(t *testing.T) {
	a := must(NewAccumulator(3))
	if err := a.Add([]int32{0, 1, 1, 2, 0}, []int32{0, 0, 1, 1, 0}, nil); err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{2, 1, 0}, {0, 1, 1}, {0, 0, 0}}
	if got := a.Confusion(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Confusion = %v, want %v", got, want)
	}
	wantN := [][]float64{{2.0 / 3, 1.0 / 3, 0}, {0, 0.5, 0.5}, {0, 0, 0}}
	if got := a.ConfusionNormalized(); fmt.Sprint(got) != fmt.Sprint(wantN) {
		t.Errorf("ConfusionNormalized = %v, want %v", got, wantN)
	}
}

func TestAccumulatorBadInput(t *testing.T) {
	a := must(NewAccumulator(3))
	if err := a.Add([]int32{0}, []int32{0}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		pred, target []int32
		logits       []float32
	}{
		{"lengths", []int32{0, 1}, []int32{0}, nil},
		{"logit count", []int32{0}, []int32{0}, []float32{1, 2}},
		{"target high", []int32{0, 0}, []int32{0, 3}, nil},
		{"target negative", []int32{0}, []int32{-1}, nil},
		{"pred high", []int32{0, 7}, []int32{0, 0}, nil},
	} {
		err := a.Add(tc.pred, tc.target, tc.logits)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v, want *InputError", tc.name, err)
		}
	}
	if a.Count() != 1 {
		t.Errorf("Count %d after rejected batches, want 1 (nothing of a bad batch counts)", a.Count())
	}
	if err := a.Merge(must(NewAccumulator(4))); err == nil {
		t.Error("Merge of 4 classes into 3: no error")
	}
	a.Reset()
	if a.Count() != 0 || a.Metrics()["support/class_00"] != 0 {
		t.Errorf("after Reset: Count %d, metrics %v", a.Count(), a.Metrics())
	}
}

// TestTopKNeedsLogitsEverywhere: one batch without logits leaves the
// top-k keys out, since they would cover only part of the loader.
func TestTopKNeedsLogitsEverywhere(t *testing.T) {
	a := must(NewAccumulator(6))
	logits := []float32{6, 5, 4, 3, 2, 1}
	if err := a.Add([]int32{0}, []int32{2}, logits); err != nil {
		t.Fatal(err)
	}
	if m := a.Metrics(); m["accuracy03"] != 1 || m["accuracy05"] != 1 {
		t.Errorf("accuracy03 %v, accuracy05 %v, want 1", m["accuracy03"], m["accuracy05"])
	}
	if err := a.Add([]int32{0}, []int32{0}, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Metrics()["accuracy03"]; ok {
		t.Error("accuracy03 present after a batch without logits")
	}
	a.Reset()
	if err := a.Add([]int32{0}, []int32{5}, logits); err != nil {
		t.Fatal(err)
	}
	if m := a.Metrics(); m["accuracy03"] != 0 || m["accuracy05"] != 0 {
		t.Errorf("after Reset: accuracy03 %v, accuracy05 %v, want 0", m["accuracy03"], m["accuracy05"])
	}
}

func TestClassKey(t *testing.T) {
	for _, tc := range []struct {
		c, classes int
		want       string
	}{{0, 1, "class_00"}, {7, 10, "class_07"}, {99, 100, "class_99"}, {5, 101, "class_005"}, {100, 101, "class_100"}, {42, 1000, "class_042"}} {
		if got := ClassKey(tc.c, tc.classes); got != tc.want {
			t.Errorf("ClassKey(%d, %d) = %q, want %q", tc.c, tc.classes, got, tc.want)
		}
	}
}

func TestAUCByHand(t *testing.T) {
	// Class 1 one-vs-rest: positives score 0.8 and 0.5, negatives 0.5 and
	// 0.2: of the four pairs three are ordered and one tied: 3.5/4.
	scores := []float64{
		0.2, 0.8,
		0.5, 0.5,
		0.5, 0.5,
		0.8, 0.2,
	}
	targets := []int32{1, 1, 0, 0}
	auc := must(AUC(scores, targets, 2))
	if auc[1] != 0.875 || auc[0] != 0.875 {
		t.Errorf("AUC = %v, want [0.875 0.875]", auc)
	}
	// No negatives: undefined.
	if auc := must(AUC([]float64{0.3, 0.7}, []int32{1}, 2)); !math.IsNaN(auc[0]) || !math.IsNaN(auc[1]) {
		t.Errorf("AUC of one row = %v, want NaN for both", auc)
	}
}

func TestPredictWithThresholdsByHand(t *testing.T) {
	scores := []float64{
		0.5, 0.3, 0.2, // 0 ineligible (t 0.6): 1 and 2 eligible, 1 higher
		0.1, 0.45, 0.45, // tie among the eligible: lower index
		0.7, 0.2, 0.1, // none eligible: plain arg-max 0, not class 0 by default
		0.2, 0.1, 0.7, // none eligible: plain arg-max 2 (the reference would say 0)
		0.3, 0.35, 0.35, // plain arg-max tie: lower index
	}
	th := []float64{0.8, 0.25, 0.15}
	want := []int32{1, 1, 0, 2, 1}
	th2 := []float64{0.8, 0.9, 0.9}
	want2 := []int32{0, 1, 0, 2, 1}
	if got := must(PredictWithThresholds(scores, 3, th)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := must(PredictWithThresholds(scores, 3, th2)); fmt.Sprint(got) != fmt.Sprint(want2) {
		t.Errorf("all ineligible: got %v, want %v", got, want2)
	}
	if got := must(PredictWithThresholds(scores, 3, nil)); fmt.Sprint(got) != fmt.Sprint([]int32{0, 1, 0, 2, 1}) {
		t.Errorf("arg-max: got %v", got)
	}
}

func TestScoreByHand(t *testing.T) {
	target := []int32{0, 0, 0, 1, 1, 2}
	pred := []int32{0, 0, 3, 0, 1, 1}
	for obj, want := range map[Objective]float64{Accuracy: 0.5, F1Micro: 0.5, F1Macro: 7.0 / 24, F1Weighted: 0.5} {
		if got := must(Score(pred, target, 4, obj)); math.Abs(got-want) > 1e-15 {
			t.Errorf("Score %s = %v, want %v", obj, got, want)
		}
	}
}

func TestSoftmax(t *testing.T) {
	// Large logits do not overflow: the row maximum is subtracted first.
	s := Softmax([]float32{0, 0, 1000, 1000, -1000, 1000, 0, float32(math.Log(3)), 0}, 3)
	want := []float64{0, 0, 1, 0.5, 0, 0.5, 0.2, 0.6, 0.2}
	for i := range want {
		if !(math.Abs(s[i]-want[i]) <= 1e-7) { // log 3 rounded to float32
			t.Errorf("Softmax[%d] = %v, want %v", i, s[i], want[i])
		}
	}
}

// Accuracy is Metrics' accuracy01, and 0 before any row.
func TestAccuracyIsMetricsAccuracy01(t *testing.T) {
	a, err := NewAccumulator(4)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Accuracy(); got != 0 {
		t.Errorf("empty: %v", got)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		pred, target := make([]int32, 37), make([]int32, 37)
		for i := range pred {
			pred[i], target[i] = int32(r.IntN(4)), int32(r.IntN(4))
		}
		if err := a.Add(pred, target, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := a.Accuracy(), a.Metrics()["accuracy01"]; got != want {
			t.Errorf("Accuracy %v, Metrics' accuracy01 %v", got, want)
		}
	}
}
