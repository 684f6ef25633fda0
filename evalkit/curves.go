package evalkit

import (
	"math"
	"slices"
)

// Point is one point of a curve: recall and precision on a
// precision-recall curve, false and true positive rates on a ROC curve.
type Point struct{ X, Y float64 }

// ClassCurves are one class's one-vs-rest curves on the softmax
// probabilities, as scikit-learn draws them (docs/SPEC.md §5): the
// precision-recall curve (X recall, Y precision; recall decreasing, the
// last point (0, 1)) with its thresholds and average precision, and the
// ROC curve (X false positive rate, Y true positive rate; from (0, 0),
// intermediate collinear points dropped) with its thresholds (the first
// +Inf) and AUC. PR and AP are nil and NaN for a class with no positive
// row; ROC and AUC for a class with no positive or no negative row.
type ClassCurves struct {
	Class         int
	PR            []Point
	PRThresholds  []float64
	AP            float64
	ROC           []Point
	ROCThresholds []float64
	AUC           float64
}

// Curves returns every class's curves for targets (each in [0, classes))
// against the softmax of logits (row-major N×classes, finite); an
// *InputError for no rows, mismatched lengths, a target outside
// [0, classes) or a logit that is not finite.
func Curves(targets []int32, logits []float32, classes int) ([]ClassCurves, error) {
	if err := checkRows("Curves", targets, logits, classes); err != nil {
		return nil, err
	}
	scores := Softmax(logits, classes)
	out := make([]ClassCurves, classes)
	s := make([]float64, len(targets))
	pos := make([]bool, len(targets))
	for k := range out {
		for i, y := range targets {
			s[i], pos[i] = scores[i*classes+k], y == int32(k)
		}
		c := ClassCurves{Class: k, AP: math.NaN(), AUC: math.NaN()}
		if p, r, th := PrecisionRecallCurve(s, pos); p != nil {
			c.PR, c.PRThresholds, c.AP = zipPoints(r, p), th, AveragePrecision(p, r)
		}
		if fpr, tpr, th := ROCCurve(s, pos); fpr != nil {
			c.ROC, c.ROCThresholds, c.AUC = zipPoints(fpr, tpr), th, trapezoid(fpr, tpr)
		}
		out[k] = c
	}
	return out, nil
}

func zipPoints(x, y []float64) []Point {
	out := make([]Point, len(x))
	for i := range x {
		out[i] = Point{x[i], y[i]}
	}
	return out
}

// binaryCurve returns, for each distinct score from the highest down, the
// score and the numbers of positive and negative rows scoring at least
// that (scikit-learn's _binary_clf_curve).
func binaryCurve(scores []float64, positive []bool) (thresholds []float64, tps, fps []float64) {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		switch {
		case scores[i] > scores[j]:
			return -1
		case scores[i] < scores[j]:
			return 1
		}
		return 0
	})
	var tp, fp float64
	for m, i := range idx {
		if positive[i] {
			tp++
		} else {
			fp++
		}
		if m+1 == len(idx) || scores[idx[m+1]] != scores[i] {
			thresholds = append(thresholds, scores[i])
			tps = append(tps, tp)
			fps = append(fps, fp)
		}
	}
	return thresholds, tps, fps
}

// PrecisionRecallCurve returns the precision, recall and thresholds of
// scores against positive, as scikit-learn's precision_recall_curve does:
// one point per distinct score, highest threshold last, recall
// decreasing, then the point recall 0, precision 1 with no threshold.
// It returns nils when no row is positive (scikit-learn warns and sets
// recall to 1).
func PrecisionRecallCurve(scores []float64, positive []bool) (precision, recall, thresholds []float64) {
	th, tps, fps := binaryCurve(scores, positive)
	if len(th) == 0 || tps[len(tps)-1] == 0 {
		return nil, nil, nil
	}
	n := len(th)
	precision, recall, thresholds = make([]float64, n+1), make([]float64, n+1), make([]float64, n)
	for i := range th {
		j := n - 1 - i
		precision[j] = tps[i] / (tps[i] + fps[i])
		recall[j] = tps[i] / tps[n-1]
		thresholds[j] = th[i]
	}
	precision[n] = 1
	return precision, recall, thresholds
}

// AveragePrecision returns the step-wise area under a precision-recall
// curve from PrecisionRecallCurve, as scikit-learn's
// average_precision_score: the sum over points of the recall gained times
// the precision there; NaN for nil slices.
func AveragePrecision(precision, recall []float64) float64 {
	if len(precision) == 0 {
		return math.NaN()
	}
	var ap float64
	for i := 0; i+1 < len(recall); i++ {
		ap -= (recall[i+1] - recall[i]) * precision[i]
	}
	return ap
}

// ROCCurve returns the false and true positive rates and thresholds of
// scores against positive, as scikit-learn's roc_curve with
// drop_intermediate=True: one point per distinct score from the highest
// down, less the points collinear with both neighbours along an axis (the
// second differences of both counts are zero), after a first point (0, 0)
// at threshold +Inf (scikit-learn before 1.3 put the highest score plus 1
// there). It returns nils when no row, or every row, is positive.
func ROCCurve(scores []float64, positive []bool) (fpr, tpr, thresholds []float64) {
	th, tps, fps := binaryCurve(scores, positive)
	n := len(th)
	if n == 0 || tps[n-1] == 0 || fps[n-1] == 0 {
		return nil, nil, nil
	}
	keep := make([]int, 0, n)
	for i := range th {
		if n <= 2 || i == 0 || i == n-1 ||
			fps[i+1]-2*fps[i]+fps[i-1] != 0 || tps[i+1]-2*tps[i]+tps[i-1] != 0 {
			keep = append(keep, i)
		}
	}
	fpr, tpr, thresholds = []float64{0}, []float64{0}, []float64{math.Inf(1)}
	for _, i := range keep {
		fpr = append(fpr, fps[i]/fps[n-1])
		tpr = append(tpr, tps[i]/tps[n-1])
		thresholds = append(thresholds, th[i])
	}
	return fpr, tpr, thresholds
}

// trapezoid returns the area under the polyline through (x, y).
func trapezoid(x, y []float64) float64 {
	var a float64
	for i := 1; i < len(x); i++ {
		a += (x[i] - x[i-1]) * (y[i] + y[i-1]) / 2
	}
	return a
}
