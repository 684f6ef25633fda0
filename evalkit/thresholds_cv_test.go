package evalkit

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Each class's rows spread over the folds as evenly as possible, so do
// the fold sizes, and the seed alone decides the assignment.
func TestStratifiedFolds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	_, targets := randomScores(r, 1003, 7, false)
	const k = 5
	folds, err := StratifiedFolds(targets, 7, k, 42)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([][k]int, 7)
	var sizes [k]int
	for i, f := range folds {
		if f < 0 || f >= k {
			t.Fatalf("row %d in fold %d", i, f)
		}
		counts[targets[i]][f]++
		sizes[f]++
	}
	spread := func(c [k]int) int { return slices.Max(c[:]) - slices.Min(c[:]) }
	for c, cc := range counts {
		if spread(cc) > 1 {
			t.Errorf("class %d: rows per fold %v", c, cc)
		}
	}
	if spread(sizes) > 1 {
		t.Errorf("fold sizes %v", sizes)
	}
	again, _ := StratifiedFolds(targets, 7, k, 42)
	if !slices.Equal(folds, again) {
		t.Error("the same seed gave other folds")
	}
	other, _ := StratifiedFolds(targets, 7, k, 43)
	if slices.Equal(folds, other) {
		t.Error("another seed gave the same folds")
	}
	// Shuffled within class: not simply the rows in order dealt round.
	if folds[0] == 0 && folds[1] == 1 && folds[2] == 2 && folds[3] == 3 {
		ordered := true
		for i := range folds {
			if folds[i] != i%k {
				ordered = false
			}
		}
		if ordered {
			t.Error("folds are not shuffled")
		}
	}
}

func TestStratifiedFoldsErrors(t *testing.T) {
	targets := []int32{0, 0, 0, 1, 1, 2, 2, 2} // class 1 has 2 rows
	for _, tc := range []struct {
		k       int
		targets []int32
		msg     string
	}{
		{1, targets, "1 folds: want at least 2"},
		{3, targets, "3 folds: class 1 has only 2 rows"},
		{2, []int32{0, 5}, "row 1: target 5 outside [0, 3)"},
		{2, nil, "no rows"},
	} {
		_, err := StratifiedFolds(tc.targets, 3, tc.k, 1)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("k=%d %v: %v, want an *InputError with %q", tc.k, tc.targets, err, tc.msg)
		}
	}
	// A class absent from the rows does not limit k.
	if _, err := StratifiedFolds(targets, 4, 2, 1); err != nil {
		t.Errorf("absent class 3: %v", err)
	}
	if c, n := SmallestClass(targets, 4); c != 1 || n != 2 {
		t.Errorf("SmallestClass = %d, %d; want 1, 2", c, n)
	}
}

// Each fold's figures are those of searching on the other folds' rows and
// scoring the fold's; the mean, SE and verdict follow from the gains.
func TestCrossValidateThresholds(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	scores, targets := randomScores(r, 600, 5, false)
	cv, err := CrossValidateThresholds(scores, targets, 5, F1Macro, 4, 42)
	if err != nil {
		t.Fatal(err)
	}
	folds, _ := StratifiedFolds(targets, 5, 4, 42)
	if cv.K != 4 || len(cv.Folds) != 4 || cv.Objective != F1Macro || cv.Seed != 42 {
		t.Fatalf("%+v", cv)
	}
	var gains []float64
	for f, got := range cv.Folds {
		var trS, teS []float64
		var trY, teY []int32
		for i := range targets {
			if folds[i] == f {
				teS, teY = append(teS, scores[i*5:i*5+5]...), append(teY, targets[i])
			} else {
				trS, trY = append(trS, scores[i*5:i*5+5]...), append(trY, targets[i])
			}
		}
		th, _ := plainSearch(trS, trY, 5, F1Macro)
		without := mustScore(t, ArgMax(teS, 5), teY, 5, F1Macro)
		pred, _ := PredictWithThresholds(teS, 5, th)
		with := mustScore(t, pred, teY, 5, F1Macro)
		if got.N != len(teY) || got.With != with || got.Without != without || got.Gain != with-without || !slices.Equal(got.Thresholds, th) {
			t.Errorf("fold %d: %+v; want n %d, with %v, without %v", f, got, len(teY), with, without)
		}
		gains = append(gains, with-without)
	}
	var mean, ss float64
	for _, g := range gains {
		mean += g / 4
	}
	for _, g := range gains {
		ss += (g - mean) * (g - mean)
	}
	se := math.Sqrt(ss / 3 / 4)
	if math.Abs(cv.Mean-mean) > 1e-15 || math.Abs(cv.SE-se) > 1e-15 || cv.Keep != (mean-2*se > 0) {
		t.Errorf("mean %v se %v keep %v; want %v %v %v", cv.Mean, cv.SE, cv.Keep, mean, se, mean-2*se > 0)
	}
	if _, err := CrossValidateThresholds(scores, targets, 5, "auc", 4, 42); err == nil {
		t.Error("an unknown objective was accepted")
	}
}

func TestThresholdsCVVerdict(t *testing.T) {
	cv := &ThresholdsCV{K: 5, Mean: 0.0012, SE: 0.002}
	if got, want := cv.Verdict(), "mean gain +0.0012 ± 0.0020 over 5 folds: not worth keeping"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	cv = &ThresholdsCV{K: 3, Mean: 0.01, SE: 0.001, Keep: true}
	if got, want := cv.Verdict(), "mean gain +0.0100 ± 0.0010 over 3 folds: worth keeping"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	cv.Objective, cv.HeldOut = Accuracy, &HeldOut{Split: "test", With: 0.93125, Without: 0.9325}
	if got, want := cv.Verdict(), "mean gain +0.0100 ± 0.0010 over 3 folds: worth keeping (test split: accuracy 0.9313 with, 0.9325 without)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func mustScore(t *testing.T, pred, targets []int32, classes int, obj Objective) float64 {
	t.Helper()
	v, err := Score(pred, targets, classes, obj)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The runner's cross-validation: 5 folds of a 5,000-row, 10-class valid
// split. Its time is logged (go test -run CVTime -v) for docs and review.
func TestThresholdsCVTime(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	scores, targets := randomScores(r, 5000, 10, false)
	start := time.Now()
	for _, obj := range []Objective{Accuracy, F1Macro} {
		if _, err := CrossValidateThresholds(scores, targets, 10, obj, 5, 42); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("5-fold threshold CV, 5000 rows x 10 classes: %v per objective", time.Since(start)/2)
}

func BenchmarkThresholdsCV(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	scores, targets := randomScores(r, 5000, 10, false)
	for b.Loop() {
		if _, err := CrossValidateThresholds(scores, targets, 10, Accuracy, 5, 42); err != nil {
			b.Fatal(err)
		}
	}
}

// ScoreHeldOut searches on the tuning rows (as the slow reference search
// does) and scores the held-out rows with and without; tuned and scored
// on the same rows, the thresholds cannot lose.
func TestScoreHeldOut(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	tuneS, tuneY := randomScores(r, 400, 5, false)
	testS, testY := randomScores(r, 300, 5, false)
	h, err := ScoreHeldOut(tuneS, tuneY, testS, testY, 5, F1Macro, "test")
	if err != nil {
		t.Fatal(err)
	}
	th, _ := plainSearch(tuneS, tuneY, 5, F1Macro)
	pred, _ := PredictWithThresholds(testS, 5, th)
	with, without := mustScore(t, pred, testY, 5, F1Macro), mustScore(t, ArgMax(testS, 5), testY, 5, F1Macro)
	if h.Split != "test" || h.N != 300 || h.With != with || h.Without != without || h.Gain != with-without {
		t.Errorf("got %+v, want with %v without %v", h, with, without)
	}
	self, err := ScoreHeldOut(tuneS, tuneY, tuneS, tuneY, 5, F1Macro, "valid")
	if err != nil {
		t.Fatal(err)
	}
	if self.Gain < 0 {
		t.Errorf("thresholds scored on their own tuning rows lose %v", self.Gain)
	}
	if _, err := ScoreHeldOut(tuneS, tuneY, testS[:7], testY, 5, F1Macro, "test"); err == nil {
		t.Error("scores of the wrong length: no error")
	}
}
