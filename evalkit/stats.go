package evalkit

// This file holds the metric arithmetic shared by the Accumulator, the
// Report, Score and the threshold search, so that each number is computed
// by one sequence of floating-point operations wherever it appears.

// Averages holds one averaged row of the report: micro, macro or weighted.
type Averages struct {
	Precision float64
	Recall    float64
	F1        float64
	FBeta     float64 // 0 unless asked for
}

// Stats holds the per-class metrics and their averages (docs/SPEC.md §4),
// computed from exact counts.
type Stats struct {
	Precision []float64
	Recall    []float64
	F1        []float64
	FBeta     []float64 // nil unless asked for
	Support   []int64   // #(target = c)
	Predicted []int64   // #(prediction = c)
	TP        []int64
	N         int64
	Accuracy  float64
	Micro     Averages
	Macro     Averages
	Weighted  Averages
}

// div returns a/b, or 0 when b is 0 (scikit-learn's zero_division=0).
func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// fscore returns (1+b²)PR/(b²P+R), 0 when the denominator is 0; b2 is b².
func fscore(p, r, b2 float64) float64 {
	d := b2*p + r
	if d == 0 {
		return 0
	}
	return (1 + b2) * p * r / d
}

// computeStats derives every metric from per-class true positives,
// prediction counts and supports. beta 0 leaves FBeta out.
func computeStats(tp, predicted, support []int64, beta float64) *Stats {
	c := len(tp)
	s := &Stats{
		Precision: make([]float64, c),
		Recall:    make([]float64, c),
		F1:        make([]float64, c),
		Support:   append([]int64(nil), support...),
		Predicted: append([]int64(nil), predicted...),
		TP:        append([]int64(nil), tp...),
	}
	b2 := beta * beta
	if beta != 0 {
		s.FBeta = make([]float64, c)
	}
	var sumTP, sumPred int64
	for k := 0; k < c; k++ {
		p := div(float64(tp[k]), float64(predicted[k]))
		r := div(float64(tp[k]), float64(support[k]))
		s.Precision[k], s.Recall[k], s.F1[k] = p, r, fscore(p, r, 1)
		if s.FBeta != nil {
			s.FBeta[k] = fscore(p, r, b2)
		}
		sumTP += tp[k]
		sumPred += predicted[k]
		s.N += support[k]
	}
	s.Accuracy = div(float64(sumTP), float64(s.N))
	mp := div(float64(sumTP), float64(sumPred))
	mr := div(float64(sumTP), float64(s.N))
	s.Micro = Averages{Precision: mp, Recall: mr, F1: fscore(mp, mr, 1)}
	if beta != 0 {
		s.Micro.FBeta = fscore(mp, mr, b2)
	}
	s.Macro = Averages{
		Precision: macro(s.Precision),
		Recall:    macro(s.Recall),
		F1:        macro(s.F1),
		FBeta:     macro(s.FBeta),
	}
	s.Weighted = Averages{
		Precision: weighted(s.Precision, support),
		Recall:    weighted(s.Recall, support),
		F1:        weighted(s.F1, support),
		FBeta:     weighted(s.FBeta, support),
	}
	return s
}

// macro is the plain mean over all classes (0 for none).
func macro(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

// weighted is the mean weighted by support (0 when there is no support).
func weighted(v []float64, support []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	var sum float64
	var n int64
	for k, x := range v {
		sum += x * float64(support[k])
		n += support[k]
	}
	return div(sum, float64(n))
}

// objectiveValue evaluates obj from the counts with the same operations
// as computeStats, without allocating (the threshold search calls it for
// every candidate).
func objectiveValue(obj Objective, tp, predicted, support []int64) float64 {
	switch obj {
	case F1Micro:
		var sumTP, sumPred, n int64
		for k := range tp {
			sumTP += tp[k]
			sumPred += predicted[k]
			n += support[k]
		}
		return fscore(div(float64(sumTP), float64(sumPred)), div(float64(sumTP), float64(n)), 1)
	case F1Macro, F1Weighted:
		var sum float64
		var n int64
		for k := range tp {
			p := div(float64(tp[k]), float64(predicted[k]))
			r := div(float64(tp[k]), float64(support[k]))
			f := fscore(p, r, 1)
			if obj == F1Macro {
				sum += f
			} else {
				sum += f * float64(support[k])
			}
			n += support[k]
		}
		if obj == F1Macro {
			if len(tp) == 0 {
				return 0
			}
			return sum / float64(len(tp))
		}
		return div(sum, float64(n))
	default: // Accuracy
		var sumTP, n int64
		for k := range tp {
			sumTP += tp[k]
			n += support[k]
		}
		return div(float64(sumTP), float64(n))
	}
}

// classCounts counts true positives, predictions and supports.
func classCounts(pred, target []int32, classes int) (tp, predicted, support []int64) {
	tp = make([]int64, classes)
	predicted = make([]int64, classes)
	support = make([]int64, classes)
	for i, y := range target {
		p := pred[i]
		predicted[p]++
		support[y]++
		if p == y {
			tp[y]++
		}
	}
	return tp, predicted, support
}
