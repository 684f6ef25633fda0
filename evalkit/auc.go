package evalkit

import (
	"fmt"
	"math"
	"slices"
)

// AUC returns the one-vs-rest ROC AUC of each class from row-major
// N×classes scores: the probability that a row of the class scores higher
// for it than a row of another class, ties counting one half (the
// Mann-Whitney statistic, equal to the area under the ROC curve that
// scikit-learn's roc_auc_score integrates). A class with no positive or
// no negative row gets NaN. AUC returns an *InputError when classes is
// outside [1, MaxClasses], the scores are not len(targets) rows of classes
// or a target is outside [0, classes). A NaN score is not an error, but
// the ranks around it, hence the AUC, are arbitrary.
func AUC(scores []float64, targets []int32, classes int) ([]float64, error) {
	if err := checkClasses("AUC", classes); err != nil {
		return nil, err
	}
	if len(scores) != len(targets)*classes {
		return nil, &InputError{"AUC", fmt.Sprintf("%d scores for %d rows of %d classes", len(scores), len(targets), classes)}
	}
	for i, y := range targets {
		if y < 0 || int(y) >= classes {
			return nil, &InputError{"AUC", fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
	}
	n := len(targets)
	out := make([]float64, classes)
	idx := make([]int32, n)
	ranks := make([]float64, n)
	for k := 0; k < classes; k++ {
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortFunc(idx, func(i, j int32) int {
			si, sj := scores[int(i)*classes+k], scores[int(j)*classes+k]
			switch {
			case si < sj:
				return -1
			case si > sj:
				return 1
			}
			return 0
		})
		// Mid-ranks (1-based) of tied runs.
		for i := 0; i < n; {
			j := i + 1 // (from i, a NaN, equal to nothing, would never advance)
			v := scores[int(idx[i])*classes+k]
			for j < n && scores[int(idx[j])*classes+k] == v {
				j++
			}
			mid := float64(i+1+j) / 2
			for m := i; m < j; m++ {
				ranks[m] = mid
			}
			i = j
		}
		var pos int64
		var sum float64
		for m, r := range idx {
			if targets[r] == int32(k) {
				pos++
				sum += ranks[m]
			}
		}
		neg := int64(n) - pos
		if pos == 0 || neg == 0 {
			out[k] = math.NaN()
			continue
		}
		p := float64(pos)
		out[k] = (sum - p*(p+1)/2) / (p * float64(neg))
	}
	return out, nil
}

// aucAverages returns the mean of the defined per-class AUCs and their
// mean weighted by support; ok is false when no class has one.
func aucAverages(auc []float64, support []int64) (mac, wei float64, ok bool) {
	var sum, wsum float64
	var k, w int64
	for c, v := range auc {
		if math.IsNaN(v) {
			continue
		}
		sum += v
		wsum += v * float64(support[c])
		k++
		w += support[c]
	}
	if k == 0 {
		return 0, 0, false
	}
	return sum / float64(k), div(wsum, float64(w)), true
}
