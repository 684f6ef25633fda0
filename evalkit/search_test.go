package evalkit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// plainSearch is the reference search of docs/SPEC.md §6 written
// the plain way: every candidate re-predicts every row with
// PredictWithThresholds and re-scores with Score. Search must return
// exactly what it returns.
func plainSearch(scores []float64, targets []int32, classes int, obj Objective) ([]float64, float64) {
	n := len(targets)
	col := func(k int) []float64 {
		c := make([]float64, n)
		for i := range c {
			c[i] = scores[i*classes+k]
		}
		return c
	}
	// The objective one-vs-rest for class k at threshold th.
	binary := func(k int, th float64) (float64, int) {
		pred := make([]int32, n)
		bt := make([]int32, n)
		positives := 0
		for i := range pred {
			if scores[i*classes+k] >= th {
				pred[i] = 1
				positives++
			}
			if targets[i] == int32(k) {
				bt[i] = 1
			}
		}
		return must(Score(pred, bt, 2, obj)), positives
	}
	score := func(t []float64) float64 {
		return must(Score(must(PredictWithThresholds(scores, classes, t)), targets, classes, obj))
	}
	var starts [][]float64

	t := make([]float64, classes)
	for k := range t {
		t[k] = 0.5
	}
	starts = append(starts, t)

	t = make([]float64, classes)
	for k := range t {
		u := slices.Clone(col(k))
		slices.Sort(u)
		u = slices.Compact(u)
		best := 0.0
		for _, th := range u {
			if m, _ := binary(k, th); m > best {
				best, t[k] = m, th
			}
		}
	}
	starts = append(starts, t)

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range scores {
		lo, hi = min(lo, v), max(hi, v)
	}
	bestV, best := 0.0, math.Inf(-1)
	for _, v := range linspace(lo, hi, 100) {
		t := make([]float64, classes)
		for k := range t {
			t[k] = v
		}
		if m := score(t); m > best {
			best, bestV = m, v
		}
	}
	t = make([]float64, classes)
	for k := range t {
		t[k] = bestV
	}
	starts = append(starts, t)

	t = make([]float64, classes)
	for k := range t {
		c := col(k)
		var values []float64
		cands := linspace(slices.Min(c), slices.Max(c), 100)
		for _, th := range cands {
			m, positives := binary(k, th)
			if positives == 0 {
				m = 0
			}
			values = append(values, m)
		}
		if slices.Max(values) == 0 {
			t[k] = 1
		} else {
			t[k] = cands[slices.Index(values, slices.Max(values))]
		}
	}
	starts = append(starts, t)

	var bestT []float64
	bestScore := math.Inf(-1)
	for _, t := range starts {
		cur := score(t)
		var history []float64
		for it := 0; it < 100; it++ {
			if len(history) >= 3 && cur < history[it-3]+0.01 {
				break
			}
			for k := 0; k < classes; k++ {
				c := col(k)
				cands := linspace(slices.Min(c), slices.Max(c), 100)
				try := slices.Clone(t)
				var values []float64
				for _, th := range cands {
					try[k] = th
					values = append(values, score(try))
				}
				if m := slices.Max(values); m > cur {
					cur = m
					t[k] = cands[slices.Index(values, m)]
				}
			}
			history = append(history, cur)
		}
		if cur > bestScore {
			bestScore, bestT = cur, t
		}
	}
	return bestT, bestScore
}

// randomScores returns softmax scores of logits that favour the target
// for most rows; quantized logits make tied scores.
func randomScores(r *rand.Rand, n, classes int, quantized bool) ([]float64, []int32) {
	targets := make([]int32, n)
	logits := make([]float32, n*classes)
	for i := range targets {
		// Unequal class sizes, and the last class rare.
		y := int32(min(r.IntN(classes+classes/2), classes-1))
		if classes > 2 && y == int32(classes-1) && r.IntN(3) > 0 {
			y = 0
		}
		targets[i] = y
		for k := 0; k < classes; k++ {
			v := r.NormFloat64()
			if k == int(y) && r.IntN(10) < 6 {
				v += 1.5
			}
			if quantized {
				v = math.Round(v)
			}
			logits[i*classes+k] = float32(v)
		}
	}
	return Softmax(logits, classes), targets
}

func TestSearchMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 12; trial++ {
		n, classes := 20+r.IntN(60), 1+r.IntN(6)
		quantized := trial%3 == 2
		scores, targets := randomScores(r, n, classes, quantized)
		for _, obj := range Objectives {
			name := fmt.Sprintf("trial%d/n%d/c%d/%s", trial, n, classes, obj)
			res, err := Search(scores, targets, classes, obj)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wantT, wantScore := plainSearch(scores, targets, classes, obj)
			if !slices.Equal(res.Thresholds, wantT) || res.Score != wantScore {
				t.Errorf("%s: fast %v (score %v), plain %v (score %v)", name, res.Thresholds, res.Score, wantT, wantScore)
			}
		}
	}
}

// TestSearchProperties checks on larger data that the result never
// scores below the plain arg-max and that applying the thresholds
// reproduces the reported score exactly.
func TestSearchProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ n, classes int }{{1, 1}, {1, 5}, {2000, 10}, {1500, 37}} {
		scores, targets := randomScores(r, tc.n, tc.classes, false)
		for _, obj := range Objectives {
			res, err := Search(scores, targets, tc.classes, obj)
			if err != nil {
				t.Fatal(err)
			}
			argmax := must(Score(ArgMax(scores, tc.classes), targets, tc.classes, obj))
			with := must(Score(must(PredictWithThresholds(scores, tc.classes, res.Thresholds)), targets, tc.classes, obj))
			if res.ArgMax != argmax {
				t.Errorf("%d×%d %s: ArgMax %v, Score of arg-max %v", tc.n, tc.classes, obj, res.ArgMax, argmax)
			}
			if with != res.Score {
				t.Errorf("%d×%d %s: applying the thresholds scores %v, search reported %v", tc.n, tc.classes, obj, with, res.Score)
			}
			if res.Score < argmax {
				t.Errorf("%d×%d %s: %v below the arg-max %v", tc.n, tc.classes, obj, res.Score, argmax)
			}
			t.Logf("%d×%d %s: arg-max %.4f, thresholds %.4f", tc.n, tc.classes, obj, argmax, res.Score)
		}
	}
}

// TestSearchImproves: on data where one class swallows the others at
// arg-max, the thresholds must do strictly better.
func TestSearchImproves(t *testing.T) {
	// Class 0 always scores 0.5; the true class scores 0.3 and the third
	// class the rest. Arg-max always says 0; a threshold above 0.5 on
	// class 0 recovers every row.
	var scores []float64
	var targets []int32
	for i := 0; i < 30; i++ {
		y := int32(1 + i%2)
		row := []float64{0.5, 0.2, 0.2}
		row[y] = 0.3
		scores = append(scores, row...)
		targets = append(targets, y)
	}
	res, err := Search(scores, targets, 3, Accuracy)
	if err != nil {
		t.Fatal(err)
	}
	if res.ArgMax != 0 || res.Score != 1 {
		t.Errorf("arg-max %v, with thresholds %v (%v); want 0 and 1", res.ArgMax, res.Score, res.Thresholds)
	}
}

func TestSearchBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scores  []float64
		targets []int32
		classes int
		obj     Objective
	}{
		{"objective", []float64{1}, []int32{0}, 1, "auc"},
		{"no rows", nil, nil, 2, Accuracy},
		{"lengths", []float64{1, 0, 1}, []int32{0, 1}, 2, Accuracy},
		{"target", []float64{1, 0}, []int32{2}, 2, Accuracy},
		{"NaN", []float64{math.NaN(), 0}, []int32{0}, 2, Accuracy},
		{"classes", []float64{}, []int32{0}, 0, Accuracy},
	} {
		if _, err := SearchThresholds(tc.scores, tc.targets, tc.classes, tc.obj); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestLinspace(t *testing.T) {
	got := linspace(0, 1, 5)
	if !slices.Equal(got, []float64{0, 0.25, 0.5, 0.75, 1}) {
		t.Errorf("linspace(0, 1, 5) = %v", got)
	}
	if got := linspace(0.3, 0.3, 3); !slices.Equal(got, []float64{0.3, 0.3, 0.3}) {
		t.Errorf("linspace(0.3, 0.3, 3) = %v", got)
	}
	// numpy.linspace(0.1, 0.7, 100)[37], computed by numpy 1.24.
	if got := linspace(0.1, 0.7, 100)[37]; got != 0.32424242424242422 {
		t.Errorf("linspace(0.1, 0.7, 100)[37] = %.17g", got)
	}
}

// BenchmarkSearchCIFAR100 searches thresholds on 10,000 rows × 100
// classes, CIFAR-100's test size, with macro F1.
func BenchmarkSearchCIFAR100(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	scores, targets := randomScores(r, 10000, 100, false)
	for _, obj := range []Objective{Accuracy, F1Macro} {
		b.Run(string(obj), func(b *testing.B) {
			for b.Loop() {
				if _, err := Search(scores, targets, 100, obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
