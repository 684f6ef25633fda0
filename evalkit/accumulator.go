package evalkit

import (
	"fmt"
	"math"
	"strconv"
)

// Accumulator collects exact counts over a loader, fed once per batch: the
// confusion matrix and, when logits come with the batches, top-k hits.
// Every metric is computed from the counts over all batches fed since the
// last Reset (docs/SPEC.md §4), so the result does not depend on
// how the rows were split into batches, and two accumulators fed with two
// halves of a loader and merged hold exactly what one fed with the whole
// would. An Accumulator is not safe for concurrent use.
type Accumulator struct {
	classes int
	cm      []int64 // classes*classes, rows true, columns predicted
	n       int64   // rows fed
	logitN  int64   // rows fed with logits
	hits    [3]int64
}

// topK are the k of accuracy@k, in the order of Accumulator.hits.
var topK = [3]int{1, 3, 5}

// MaxClasses is the most classes an Accumulator counts: its confusion
// matrix takes classes² counts, 800 MB at this bound.
const MaxClasses = 10000

// NewAccumulator returns an empty accumulator for the given number of
// classes, or an *InputError when classes is outside [1, MaxClasses].
func NewAccumulator(classes int) (*Accumulator, error) {
	if err := checkClasses("NewAccumulator", classes); err != nil {
		return nil, err
	}
	return &Accumulator{classes: classes, cm: make([]int64, classes*classes)}, nil
}

// checkClasses returns an *InputError of op when classes is outside
// [1, MaxClasses].
func checkClasses(op string, classes int) error {
	if classes < 1 || classes > MaxClasses {
		return &InputError{op, fmt.Sprintf("%d classes: want 1 to %d", classes, MaxClasses)}
	}
	return nil
}

// Classes returns the number of classes.
func (a *Accumulator) Classes() int { return a.classes }

// Add feeds one batch: the predicted class and the target of each row
// (equal lengths), and optionally the logits, row-major N×classes, for
// top-k accuracy. Without logits (nil), the accuracy@k keys for k > 1 are
// left out of Metrics from then until the next Reset. Add returns an
// *InputError, and counts nothing of the batch, when the lengths do not
// match or a class is outside [0, classes).
//
// Top-k ranks the target's logit among the row's logits, ties going to
// the lower class index as in arg-max; a NaN target logit is a miss.
func (a *Accumulator) Add(pred, target []int32, logits []float32) error {
	if len(pred) != len(target) {
		return &InputError{"Add", fmt.Sprintf("%d predictions for %d targets", len(pred), len(target))}
	}
	if logits != nil && len(logits) != len(target)*a.classes {
		return &InputError{"Add", fmt.Sprintf("%d logits for %d rows of %d classes", len(logits), len(target), a.classes)}
	}
	for i := range target {
		if p := pred[i]; p < 0 || int(p) >= a.classes {
			return &InputError{"Add", fmt.Sprintf("row %d: prediction %d outside [0, %d)", i, p, a.classes)}
		}
		if y := target[i]; y < 0 || int(y) >= a.classes {
			return &InputError{"Add", fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, a.classes)}
		}
	}
	for i, y := range target {
		a.cm[int(y)*a.classes+int(pred[i])]++
	}
	a.n += int64(len(target))
	if logits == nil {
		return nil
	}
	a.logitN += int64(len(target))
	for i, y := range target {
		rank := targetRank(logits[i*a.classes:(i+1)*a.classes], int(y))
		for j, k := range topK {
			if rank < k {
				a.hits[j]++
			}
		}
	}
	return nil
}

// targetRank returns how many classes come before class y in the row when
// sorted by logit, descending, ties by index; math.MaxInt for a NaN logit.
func targetRank(row []float32, y int) int {
	ly := row[y]
	if math.IsNaN(float64(ly)) {
		return math.MaxInt
	}
	rank := 0
	for j, l := range row {
		if l > ly || (l == ly && j < y) {
			rank++
		}
	}
	return rank
}

// Merge adds b's counts to a; b is unchanged. Both must have the same
// number of classes.
func (a *Accumulator) Merge(b *Accumulator) error {
	if b == nil {
		return &InputError{"Merge", "nil accumulator"}
	}
	if b.classes != a.classes {
		return &InputError{"Merge", fmt.Sprintf("%d classes into %d", b.classes, a.classes)}
	}
	for i, v := range b.cm {
		a.cm[i] += v
	}
	a.n += b.n
	a.logitN += b.logitN
	for j := range a.hits {
		a.hits[j] += b.hits[j]
	}
	return nil
}

// Reset forgets everything fed, for the next loader.
func (a *Accumulator) Reset() {
	clear(a.cm)
	a.n, a.logitN = 0, 0
	a.hits = [3]int64{}
}

// Count returns the number of rows fed since the last Reset.
// Count returns the number of rows fed.
func (a *Accumulator) Count() int { return int(a.n) }

// Accuracy returns the share of the rows fed whose prediction is their
// target: Metrics' accuracy01, without computing the other metrics (0
// before any row).
func (a *Accumulator) Accuracy() float64 {
	var hits int64
	for c := 0; c < a.classes; c++ {
		hits += a.cm[c*a.classes+c]
	}
	return div(float64(hits), float64(a.n))
}

// Stats returns the per-class metrics and their averages; beta 0 leaves
// F-beta out.
func (a *Accumulator) Stats(beta float64) *Stats {
	c := a.classes
	tp := make([]int64, c)
	predicted := make([]int64, c)
	support := make([]int64, c)
	for y := 0; y < c; y++ {
		for p := 0; p < c; p++ {
			v := a.cm[y*c+p]
			support[y] += v
			predicted[p] += v
		}
		tp[y] = a.cm[y*c+y]
	}
	return computeStats(tp, predicted, support, beta)
}

// ClassKey returns the suffix of the per-class keys for class c:
// "class_07"; two digits, more when classes > 100.
func ClassKey(c, classes int) string {
	width := len(strconv.Itoa(classes - 1))
	if width < 2 {
		width = 2
	}
	return fmt.Sprintf("class_%0*d", width, c)
}

// Metrics returns every key of docs/SPEC.md §4: accuracy01 (share
// of rows whose prediction is the target), accuracy03 when classes > 3
// and accuracy05 when classes > 5 (only when every row came with logits),
// precision/_micro, precision/_macro, precision/_weighted, the same for
// recall and f1, and per class precision/class_00, recall/class_00,
// f1/class_00 and support/class_00. Precision, recall and F1 are 0 where
// their denominator is 0.
func (a *Accumulator) Metrics() map[string]float64 {
	s := a.Stats(0)
	m := make(map[string]float64, 4*a.classes+12)
	m["accuracy01"] = s.Accuracy
	if a.logitN == a.n {
		for j, k := range topK[1:] {
			if a.classes > k {
				m[fmt.Sprintf("accuracy%02d", k)] = div(float64(a.hits[j+1]), float64(a.n))
			}
		}
	}
	addAverages(m, "", s)
	for c := 0; c < a.classes; c++ {
		key := ClassKey(c, a.classes)
		m["precision/"+key] = s.Precision[c]
		m["recall/"+key] = s.Recall[c]
		m["f1/"+key] = s.F1[c]
		m["support/"+key] = float64(s.Support[c])
	}
	return m
}

// addAverages adds prefix+"precision/_micro" and the like to m.
func addAverages(m map[string]float64, prefix string, s *Stats) {
	for _, avg := range []struct {
		name string
		v    Averages
	}{{"_micro", s.Micro}, {"_macro", s.Macro}, {"_weighted", s.Weighted}} {
		m[prefix+"precision/"+avg.name] = avg.v.Precision
		m[prefix+"recall/"+avg.name] = avg.v.Recall
		m[prefix+"f1/"+avg.name] = avg.v.F1
	}
}

// FBeta returns F-beta (beta > 0) under the keys "f<beta>/_micro",
// "f<beta>/_macro", "f<beta>/_weighted" and "f<beta>/class_00", with beta
// written shortest, e.g. "f0.5/_macro" or "f2/class_03".
func (a *Accumulator) FBeta(beta float64) map[string]float64 {
	s := a.Stats(beta)
	name := FBetaName(beta)
	m := make(map[string]float64, a.classes+3)
	m[name+"/_micro"] = s.Micro.FBeta
	m[name+"/_macro"] = s.Macro.FBeta
	m[name+"/_weighted"] = s.Weighted.FBeta
	for c := 0; c < a.classes; c++ {
		m[name+"/"+ClassKey(c, a.classes)] = s.FBeta[c]
	}
	return m
}

// FBetaName returns "f" followed by beta written shortest: "f2", "f0.5".
func FBetaName(beta float64) string { return "f" + strconv.FormatFloat(beta, 'g', -1, 64) }

// Confusion returns the confusion matrix: rows the true class, columns
// the predicted one.
func (a *Accumulator) Confusion() [][]int64 {
	c := a.classes
	m := make([][]int64, c)
	for y := range m {
		m[y] = append([]int64(nil), a.cm[y*c:(y+1)*c]...)
	}
	return m
}

// ConfusionNormalized returns the confusion matrix with each row divided
// by its sum, so rows sum to 1; a row with no samples stays 0.
func (a *Accumulator) ConfusionNormalized() [][]float64 { return NormalizeRows(a.Confusion()) }

// NormalizeRows divides each row of a confusion matrix by its sum; a row
// that sums to 0 stays 0.
func NormalizeRows(cm [][]int64) [][]float64 {
	out := make([][]float64, len(cm))
	for y, row := range cm {
		var sum int64
		for _, v := range row {
			sum += v
		}
		out[y] = make([]float64, len(row))
		for p, v := range row {
			out[y][p] = div(float64(v), float64(sum))
		}
	}
	return out
}
