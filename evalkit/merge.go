package evalkit

import (
	"errors"
	"fmt"
	"slices"
)

// countsHead is the number of values before the confusion matrix in
// Counts: classes, rows, rows with logits, and the top-1, top-3 and top-5
// hits.
const countsHead = 6

// CountsLen returns the length of Counts for an accumulator of that many
// classes: the same on every rank, so that an all-gather of equal-sized
// buffers can carry them.
func CountsLen(classes int) int { return countsHead + classes*classes }

// Counts returns the accumulator's counts as one flat buffer, for a
// data-parallel run to gather them from every rank (FromCounts reads them
// back): the number of classes, the rows fed, the rows fed with logits,
// the top-1, top-3 and top-5 hits, then the confusion matrix row-major,
// rows the true class. Its length is CountsLen(Classes()).
func (a *Accumulator) Counts() []int64 {
	out := make([]int64, 0, CountsLen(a.classes))
	out = append(out, int64(a.classes), a.n, a.logitN, a.hits[0], a.hits[1], a.hits[2])
	return append(out, a.cm...)
}

// FromCounts returns an accumulator holding counts written by Counts, or
// an *InputError when they are not consistent: a class count outside
// [1, MaxClasses], a length other than CountsLen, a negative count, rows
// other than the confusion matrix's sum, rows with logits above rows, or
// top-k hits outside [0, rows with logits] or not growing with k.
func FromCounts(counts []int64) (*Accumulator, error) {
	if len(counts) < countsHead {
		return nil, &InputError{"FromCounts", fmt.Sprintf("%d counts: want at least %d", len(counts), countsHead)}
	}
	classes := counts[0]
	if classes < 1 || classes > MaxClasses {
		return nil, &InputError{"FromCounts", fmt.Sprintf("%d classes: want 1 to %d", classes, MaxClasses)}
	}
	if want := CountsLen(int(classes)); len(counts) != want {
		return nil, &InputError{"FromCounts", fmt.Sprintf("%d counts for %d classes: want %d", len(counts), classes, want)}
	}
	a, err := NewAccumulator(int(classes))
	if err != nil {
		return nil, err
	}
	var sum int64
	for _, v := range counts[countsHead:] {
		if v < 0 {
			return nil, &InputError{"FromCounts", "a negative count in the confusion matrix"}
		}
		sum += v
	}
	rows, logitRows, hits := counts[1], counts[2], [3]int64(counts[3:countsHead])
	if rows != sum || logitRows < 0 || logitRows > rows {
		return nil, &InputError{"FromCounts", fmt.Sprintf("%d rows, %d with logits, but the confusion matrix sums to %d", rows, logitRows, sum)}
	}
	if hits[0] < 0 || hits[0] > hits[1] || hits[1] > hits[2] || hits[2] > logitRows {
		return nil, &InputError{"FromCounts", fmt.Sprintf("top-1, 3, 5 hits %v for %d rows with logits", hits, logitRows)}
	}
	copy(a.cm, counts[countsHead:])
	a.n, a.logitN, a.hits = rows, logitRows, hits
	return a, nil
}

// MergeCounts returns one accumulator holding the sum of the counts of
// several ranks, each written by Counts (an all-gather's result, in rank
// order), or the *InputError of the first rank's counts that FromCounts
// or Merge rejects. Counts are integers, so the result does not depend on
// the order of the ranks, and its metrics are those of one accumulator fed
// every rank's rows.
func MergeCounts(ranks [][]int64) (*Accumulator, error) {
	if len(ranks) == 0 {
		return nil, &InputError{"MergeCounts", "no counts"}
	}
	var out *Accumulator
	for r, c := range ranks {
		a, err := FromCounts(c)
		if err == nil && out != nil {
			err = out.Merge(a)
		}
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return nil, &InputError{"MergeCounts", fmt.Sprintf("rank %d: %s", r, ie.Msg)}
		}
		if out == nil {
			out = a
		}
	}
	return out, nil
}

// MergePredictions returns the rows of several ranks' predictions (each
// rank's shard of one split) as one set ordered by sample index, which
// for an unpadded shard of a loader in file order (datasets.Shard) is the
// order a single process predicts them in, so that a report or
// predictions file built from the result equals a single process's. Every
// part must have the same number of classes and sample indices, and no
// index may appear twice: an *InputError says which part breaks this.
func MergePredictions(parts ...*Predictions) (*Predictions, error) {
	if len(parts) == 0 || parts[0] == nil {
		return nil, &InputError{"MergePredictions", "no predictions"}
	}
	classes, n := parts[0].Classes, 0
	for r, p := range parts {
		if p == nil {
			return nil, &InputError{"MergePredictions", fmt.Sprintf("part %d is nil", r)}
		}
		if err := p.check(); err != nil {
			return nil, &InputError{"MergePredictions", fmt.Sprintf("part %d: %v", r, err)}
		}
		if p.Classes != classes || (p.Index == nil && p.Len() > 0) {
			return nil, &InputError{"MergePredictions", fmt.Sprintf("part %d: %d classes (want %d), sample indices given: %v", r, p.Classes, classes, p.Index != nil)}
		}
		n += p.Len()
	}
	type row struct{ part, i int }
	rows := make([]row, 0, n)
	for r, p := range parts {
		for i := range p.Index {
			rows = append(rows, row{r, i})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return parts[a.part].Index[a.i] - parts[b.part].Index[b.i] })
	out := &Predictions{Index: make([]int, n), Target: make([]int32, n), Logits: make([]float32, 0, n*classes), Classes: classes}
	for k, rw := range rows {
		p := parts[rw.part]
		if k > 0 && p.Index[rw.i] == out.Index[k-1] {
			return nil, &InputError{"MergePredictions", fmt.Sprintf("part %d: sample index %d appears twice", rw.part, p.Index[rw.i])}
		}
		out.Index[k], out.Target[k] = p.Index[rw.i], p.Target[rw.i]
		out.Logits = append(out.Logits, p.Row(rw.i)...)
	}
	return out, nil
}
