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
// PredictWithThresholds returns an *InputError when classes is below 1,
// the scores are not whole rows, or t is neither nil nor of length
// classes.
func PredictWithThresholds(scores []float64, classes int, t []float64) ([]int32, error) {
	const op = "PredictWithThresholds"
	switch {
	case classes < 1:
		return nil, &InputError{op, fmt.Sprintf("%d classes", classes)}
	case len(scores)%classes != 0:
		return nil, &InputError{op, fmt.Sprintf("%d scores are not rows of %d classes", len(scores), classes)}
	case t == nil:
		return ArgMax(scores, classes), nil
	case len(t) != classes:
		return nil, &InputError{op, fmt.Sprintf("%d thresholds for %d classes", len(t), classes)}
	}
	out := make([]int32, len(scores)/classes)
	for i := range out {
		out[i] = int32(predictRow(scores[i*classes:(i+1)*classes], t))
	}
	return out, nil
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
// denominator is 0. Score returns an *InputError for slices of different
// lengths, classes outside [1, MaxClasses], a class outside [0, classes)
// or an unknown objective.
func Score(pred, targets []int32, classes int, obj Objective) (float64, error) {
	const op = "Score"
	if err := checkClasses(op, classes); err != nil {
		return 0, err
	}
	if !obj.Valid() {
		return 0, &InputError{op, fmt.Sprintf("unknown objective %q", obj)}
	}
	if len(pred) != len(targets) {
		return 0, &InputError{op, fmt.Sprintf("%d predictions for %d targets", len(pred), len(targets))}
	}
	for i := range targets {
		if p := pred[i]; p < 0 || int(p) >= classes {
			return 0, &InputError{op, fmt.Sprintf("row %d: prediction %d outside [0, %d)", i, p, classes)}
		}
		if y := targets[i]; y < 0 || int(y) >= classes {
			return 0, &InputError{op, fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
	}
	tp, predicted, support := classCounts(pred, targets, classes)
	return objectiveValue(obj, tp, predicted, support), nil
}
