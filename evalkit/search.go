package evalkit

import (
	"fmt"
	"math"
	"sync"
)

// The constants of the reference search (docs/SPEC.md §6).
const (
	searchPoints   = 100  // evenly spaced candidates per class and per start
	searchRounds   = 100  // coordinate-ascent rounds at most
	searchPatience = 3    // compare with the round this many before
	searchMinGain  = 0.01 // stop when the gain over that round is below this
)

// SearchResult is what Search found.
type SearchResult struct {
	Thresholds []float64 // one per class
	Score      float64   // the objective with Thresholds, as Score computes it
	ArgMax     float64   // the objective of the plain arg-max
}

// SearchThresholds returns per-class thresholds that maximize obj on the
// scores (row-major N×classes, normally Softmax of the logits) and
// targets, by the reference search of docs/SPEC.md §6. See Search.
func SearchThresholds(scores []float64, targets []int32, classes int, obj Objective) ([]float64, error) {
	r, err := Search(scores, targets, classes, obj)
	if err != nil {
		return nil, err
	}
	return r.Thresholds, nil
}

// Search runs the reference threshold search of docs/SPEC.md §6
// and returns the thresholds with their score:
//
//  1. Four starting points: all 0.5; per class the best of its unique
//     scores in ascending order (strict improvements only, starting from
//     threshold 0 and objective 0); one shared value, the best of 100
//     evenly spaced points between the lowest and highest score; per class
//     the best of 100 evenly spaced points between its lowest and highest
//     score (first best; 1.0 when every point scores 0). The per-class
//     starts score a class one-vs-rest: obj on the two-class problem
//     (rest = 0, the class = 1, predicted 1 when score >= threshold).
//     A shared value is scored with the prediction rule; since any
//     threshold shared by all classes keeps the arg-max eligible whenever
//     any class is, all points tie and the first, the lowest score, wins.
//  2. Each start is refined by greedy coordinate ascent: up to 100 rounds;
//     in each, every class in turn tries 100 evenly spaced values between
//     its lowest and highest score with the others fixed, and takes the
//     first best value when it strictly improves the objective; the search
//     stops before a round when the objective gained less than 0.01 over
//     the three rounds before.
//  3. The best refined start is kept (the earlier on ties).
//
// Evenly spaced points are numpy.linspace's: lo + i*(hi-lo)/99, the last
// one hi exactly. The first start reproduces the plain arg-max, so the
// result never scores below it.
//
// Search is fast on large inputs: each row keeps its best and second-best
// eligible class, so moving one class's threshold decides each row between
// two known predictions; the rows are sorted by each class's score once,
// and sweeping the candidates in ascending order only moves the rows whose
// eligibility changes, updating per-class counts from which the objective
// is computed. The four starts are refined concurrently. The result is
// exactly that of re-scoring every candidate.
//
// Targets must be in [0, classes) and scores finite; otherwise Search
// returns an *InputError.
func Search(scores []float64, targets []int32, classes int, obj Objective) (*SearchResult, error) {
	if err := checkSearchInput(scores, targets, classes, obj); err != nil {
		return nil, err
	}
	d := newSearchData(scores, targets, classes, obj)
	starts := [][]float64{
		d.startHalf(),
		d.startUnique(),
		d.startShared(),
		d.startGrid(),
	}
	// The four refinements are independent; run them side by side.
	results := make([]float64, len(starts))
	var wg sync.WaitGroup
	for i, t := range starts {
		wg.Go(func() { results[i] = newSearchState(d).greedy(t) })
	}
	wg.Wait()
	best := &SearchResult{Thresholds: starts[0], Score: results[0]}
	for i, t := range starts[1:] {
		if results[i+1] > best.Score {
			best = &SearchResult{Thresholds: t, Score: results[i+1]}
		}
	}
	argmax, err := Score(ArgMax(scores, classes), targets, classes, obj)
	if err != nil {
		return nil, err
	}
	best.ArgMax = argmax
	return best, nil
}

func checkSearchInput(scores []float64, targets []int32, classes int, obj Objective) error {
	switch {
	case !obj.Valid():
		return &InputError{"SearchThresholds", fmt.Sprintf("unknown objective %q", obj)}
	case classes < 1 || classes > MaxClasses:
		return checkClasses("SearchThresholds", classes)
	case len(targets) == 0:
		return &InputError{"SearchThresholds", "no rows"}
	case len(scores) != len(targets)*classes:
		return &InputError{"SearchThresholds", fmt.Sprintf("%d scores for %d rows of %d classes", len(scores), len(targets), classes)}
	}
	for i, y := range targets {
		if y < 0 || int(y) >= classes {
			return &InputError{"SearchThresholds", fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
	}
	for i, v := range scores {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &InputError{"SearchThresholds", fmt.Sprintf("row %d, class %d: score %v", i/classes, i%classes, v)}
		}
	}
	return nil
}

// linspace returns numpy.linspace(lo, hi, n): lo + i*step, the last
// element hi exactly.
func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	if n == 1 {
		out[0] = lo
		return out
	}
	delta := hi - lo
	step := delta / float64(n-1)
	for i := range out {
		if step == 0 {
			out[i] = float64(i)/float64(n-1)*delta + lo
		} else {
			out[i] = float64(i)*step + lo
		}
	}
	out[n-1] = hi
	return out
}
