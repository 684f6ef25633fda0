package evalkit

import (
	"fmt"
	"math"
)

// Objective names what the threshold search maximizes.
type Objective string

// The objectives of the threshold search.
const (
	Accuracy   Objective = "accuracy"
	F1Micro    Objective = "f1-micro"
	F1Macro    Objective = "f1-macro"
	F1Weighted Objective = "f1-weighted"
)

// Objectives lists the valid objectives.
var Objectives = []Objective{Accuracy, F1Micro, F1Macro, F1Weighted}

// Valid reports whether o is one of Objectives.
func (o Objective) Valid() bool {
	for _, v := range Objectives {
		if o == v {
			return true
		}
	}
	return false
}

// Softmax returns the row-wise softmax of row-major N×classes logits in
// float64: exp(x - max) / sum. A row with a non-finite logit gives NaN
// scores.
func Softmax(logits []float32, classes int) []float64 {
	out := make([]float64, len(logits))
	if classes < 1 {
		return out
	}
	for i := 0; i+classes <= len(logits); i += classes {
		row, o := logits[i:i+classes], out[i:i+classes]
		m := math.Inf(-1)
		for _, l := range row {
			m = math.Max(m, float64(l))
		}
		var sum float64
		for j, l := range row {
			o[j] = math.Exp(float64(l) - m)
			sum += o[j]
		}
		for j := range o {
			o[j] /= sum
		}
	}
	return out
}

// ArgMax returns the index of each row's highest value, the lower index
// on ties, for row-major N×classes values (scores or logits).
func ArgMax[T float32 | float64](values []T, classes int) []int32 {
	if classes < 1 {
		return nil
	}
	out := make([]int32, len(values)/classes)
	for i := range out {
		out[i] = int32(argmaxRow(values[i*classes : (i+1)*classes]))
	}
	return out
}

func argmaxRow[T float32 | float64](row []T) int {
	best := 0
	for j := 1; j < len(row); j++ {
		if row[j] > row[best] {
			best = j
		}
	}
	return best
}

// PredictWithThresholds applies per-class thresholds t to row-major
// N×classes scores (docs/SPEC.md §6): a class is eligible when its
// score is >= its threshold; the eligible class with the highest score is
// predicted, ties going to the lower class index; when no class is
// eligible, the plain arg-max is. A nil t predicts the plain arg-max.
// PredictWithThresholds panics if t is neither nil nor of length classes.
func PredictWithThresholds(scores []float64, classes int, t []float64) []int32 {
	if t == nil {
		return ArgMax(scores, classes)
	}
	if len(t) != classes {
		panic(fmt.Sprintf("evalkit: PredictWithThresholds: %d thresholds for %d classes", len(t), classes))
	}
	out := make([]int32, len(scores)/classes)
	for i := range out {
		out[i] = int32(predictRow(scores[i*classes:(i+1)*classes], t))
	}
	return out
}

// predictRow is the prediction rule for one row.
func predictRow(row, t []float64) int {
	best := -1
	for j, s := range row {
		if s >= t[j] && (best < 0 || s > row[best]) {
			best = j
		}
	}
	if best < 0 {
		return argmaxRow(row)
	}
	return best
}

// Score returns the objective of predictions against targets over all
// classes: accuracy, or micro, macro (plain mean over all classes) or
// support-weighted F1, with precision, recall and F1 0 where their
// denominator is 0. Score panics on slices of different lengths or a class
// outside [0, classes); an unknown objective scores as accuracy.
func Score(pred, targets []int32, classes int, obj Objective) float64 {
	if len(pred) != len(targets) {
		panic(fmt.Sprintf("evalkit: Score: %d predictions for %d targets", len(pred), len(targets)))
	}
	tp, predicted, support := classCounts(pred, targets, classes)
	return objectiveValue(obj, tp, predicted, support)
}
