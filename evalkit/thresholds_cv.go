package evalkit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ThresholdsCV is the result of cross-validating the threshold search
// (docs/SPEC.md §6): for each of K stratified folds of one predictions
// file, thresholds searched on the other K-1 folds and the held-out fold
// scored with and without them. Keep says whether the thresholds are worth
// keeping: Mean - 2·SE > 0.
type ThresholdsCV struct {
	Objective Objective `json:"objective"`
	K         int       `json:"k"`
	Seed      uint64    `json:"seed"` // of the fold assignment (StratifiedFolds)
	Folds     []CVFold  `json:"folds"`
	Mean      float64   `json:"mean"` // the mean of the folds' gains
	SE        float64   `json:"se"`   // their sample standard deviation / sqrt(K)
	Keep      bool      `json:"keep"` // Mean - 2·SE > 0
	// HeldOut, when a caller adds it, scores the thresholds searched on
	// the whole tuning file on a separate split (ScoreHeldOut).
	HeldOut *HeldOut `json:"held_out,omitempty"`
}

// CVFold is one fold of a ThresholdsCV: the objective on the held-out
// fold's N rows with the thresholds tuned on the other folds and without
// them (arg-max), and Gain = With - Without.
type CVFold struct {
	Gain       float64   `json:"gain"`
	With       float64   `json:"with"`
	Without    float64   `json:"without"`
	N          int       `json:"n"`
	Thresholds []float64 `json:"thresholds"` // tuned on the other folds
}

// Verdict returns the one-line summary of cv, e.g. "mean gain +0.0012 ±
// 0.0020 over 5 folds: not worth keeping" (± one standard error),
// followed by the held-out split's scores when cv has them.
func (cv *ThresholdsCV) Verdict() string {
	v := "not worth keeping"
	if cv.Keep {
		v = "worth keeping"
	}
	line := fmt.Sprintf("mean gain %+.4f ± %.4f over %d folds: %s", cv.Mean, cv.SE, cv.K, v)
	if h := cv.HeldOut; h != nil {
		line += fmt.Sprintf(" (%s split: %s %.4f with, %.4f without)", h.Split, cv.Objective, h.With, h.Without)
	}
	return line
}

// SmallestClass returns the class with the fewest rows among the classes
// that have any, and that count: the most folds StratifiedFolds can make.
// It returns (-1, 0) when there are no rows.
func SmallestClass(targets []int32, classes int) (class, count int) {
	counts := make([]int, max(classes, 0))
	for _, y := range targets {
		if y >= 0 && int(y) < classes {
			counts[y]++
		}
	}
	class = -1
	for c, n := range counts {
		if n > 0 && (class < 0 || n < count) {
			class, count = c, n
		}
	}
	return class, count
}

// StratifiedFolds assigns each row to one of k folds, stratified by its
// target: each class's rows, in an order shuffled by a generator seeded
// with seed, are dealt to the folds in turn, starting where the previous
// class (in class order) stopped. So each class's rows spread over the
// folds as evenly as possible (counts differing by at most one), and so
// do the fold sizes; the same seed gives the same folds. k must be at
// least 2 and at most the row count of the smallest class present
// (SmallestClass); targets must lie in [0, classes). Otherwise
// StratifiedFolds returns an *InputError.
func StratifiedFolds(targets []int32, classes, k int, seed uint64) ([]int, error) {
	const op = "StratifiedFolds"
	if err := checkClasses(op, classes); err != nil {
		return nil, err
	}
	byClass := make([][]int, classes)
	for i, y := range targets {
		if y < 0 || int(y) >= classes {
			return nil, &InputError{op, fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
		byClass[y] = append(byClass[y], i)
	}
	if k < 2 {
		return nil, &InputError{op, fmt.Sprintf("%d folds: want at least 2", k)}
	}
	if c, n := SmallestClass(targets, classes); k > n {
		if c < 0 {
			return nil, &InputError{op, "no rows"}
		}
		return nil, &InputError{op, fmt.Sprintf("%d folds: class %d has only %d rows", k, c, n)}
	}
	rng := rand.New(rand.NewPCG(seed, 0x7468726573686f6c)) // "threshol"
	folds := make([]int, len(targets))
	next := 0
	for _, rows := range byClass {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			folds[r] = next
			next = (next + 1) % k
		}
	}
	return folds, nil
}

// CrossValidateThresholds estimates what the per-class thresholds of
// Search gain on unseen rows: it splits the rows into k folds by
// StratifiedFolds(targets, classes, k, seed) and, for each fold, searches
// the thresholds on the rows of the other folds and scores the fold's
// rows with them (PredictWithThresholds) and without them (arg-max). The
// rows of a fold keep their order. scores are row-major N×classes, as for
// Search. Errors are those of StratifiedFolds and Search.
func CrossValidateThresholds(scores []float64, targets []int32, classes int, obj Objective, k int, seed uint64) (*ThresholdsCV, error) {
	if err := checkSearchInput(scores, targets, classes, obj); err != nil {
		return nil, err
	}
	folds, err := StratifiedFolds(targets, classes, k, seed)
	if err != nil {
		return nil, err
	}
	cv := &ThresholdsCV{Objective: obj, K: k, Seed: seed, Folds: make([]CVFold, k)}
	for f := range k {
		var trS, teS []float64
		var trY, teY []int32
		for i, y := range targets {
			row := scores[i*classes : (i+1)*classes]
			if folds[i] == f {
				teS, teY = append(teS, row...), append(teY, y)
			} else {
				trS, trY = append(trS, row...), append(trY, y)
			}
		}
		th, err := SearchThresholds(trS, trY, classes, obj)
		if err != nil {
			return nil, err
		}
		with, without, err := scoreBoth(teS, teY, classes, obj, th)
		if err != nil {
			return nil, err
		}
		cv.Folds[f] = CVFold{Gain: with - without, With: with, Without: without, N: len(teY), Thresholds: th}
	}
	cv.Mean, cv.SE = meanSE(cv.Folds)
	cv.Keep = cv.Mean-2*cv.SE > 0
	return cv, nil
}

// scoreBoth scores the rows with the thresholds th and with the arg-max.
func scoreBoth(scores []float64, targets []int32, classes int, obj Objective, th []float64) (with, without float64, err error) {
	if without, err = Score(ArgMax(scores, classes), targets, classes, obj); err != nil {
		return 0, 0, err
	}
	pred, err := PredictWithThresholds(scores, classes, th)
	if err != nil {
		return 0, 0, err
	}
	if with, err = Score(pred, targets, classes, obj); err != nil {
		return 0, 0, err
	}
	return with, without, nil
}

// HeldOut is the other half of the verdict on thresholds: the thresholds
// searched on the whole tuning file, scored once on a separate split
// (a run's test split) with them and without (arg-max).
type HeldOut struct {
	Split      string    `json:"split"`
	N          int       `json:"n"`
	With       float64   `json:"with"`
	Without    float64   `json:"without"`
	Gain       float64   `json:"gain"`
	Thresholds []float64 `json:"thresholds"` // searched on the whole tuning file
}

// ScoreHeldOut searches thresholds for obj on the tuning rows and scores
// the held-out rows of split with and without them; both sets are
// row-major scores of classes columns and their targets. Errors are
// SearchThresholds' and Score's.
func ScoreHeldOut(tuneScores []float64, tuneTargets []int32, scores []float64, targets []int32, classes int, obj Objective, split string) (*HeldOut, error) {
	if err := checkSearchInput(scores, targets, classes, obj); err != nil {
		return nil, err
	}
	th, err := SearchThresholds(tuneScores, tuneTargets, classes, obj)
	if err != nil {
		return nil, err
	}
	with, without, err := scoreBoth(scores, targets, classes, obj, th)
	if err != nil {
		return nil, err
	}
	return &HeldOut{Split: split, N: len(targets), With: with, Without: without, Gain: with - without, Thresholds: th}, nil
}

// meanSE returns the mean of the folds' gains and its standard error, the
// sample standard deviation (n-1 in the denominator) over sqrt(n).
func meanSE(folds []CVFold) (mean, se float64) {
	n := float64(len(folds))
	for _, f := range folds {
		mean += f.Gain
	}
	mean /= n
	var ss float64
	for _, f := range folds {
		ss += (f.Gain - mean) * (f.Gain - mean)
	}
	return mean, math.Sqrt(ss/(n-1)) / math.Sqrt(n)
}
