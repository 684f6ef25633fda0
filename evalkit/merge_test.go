package evalkit

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shardSet is a prediction set to split into ranks: sample indices (not
// contiguous), targets, logits with ties, arg-max predictions and per-row
// losses.
type shardSet struct {
	classes int
	index   []int
	target  []int32
	pred    []int32
	logits  []float32
	loss    []float64
}

func newShardSet(r *rand.Rand, n, classes int) *shardSet {
	s := &shardSet{classes: classes}
	for i := range n {
		s.index = append(s.index, 3*i+1)
		y := int32(r.IntN(classes))
		s.target = append(s.target, y)
		row := make([]float32, classes)
		for c := range row {
			row[c] = float32(r.IntN(9)) / 4 // ties are common
		}
		if r.IntN(2) == 0 {
			row[y] += 1.5
		}
		s.logits = append(s.logits, row...)
		s.pred = append(s.pred, int32(argmax(row)))
		s.loss = append(s.loss, r.Float64()*float64(r.IntN(1000)+1))
	}
	return s
}

func argmax(row []float32) int {
	best := 0
	for c, l := range row {
		if l > row[best] {
			best = c
		}
	}
	return best
}

// feed adds rows (in that order) to acc and sum in batches of batch rows.
func (s *shardSet) feed(t *testing.T, acc *Accumulator, sum *Sum, rows []int, batch int) {
	t.Helper()
	k := s.classes
	for lo := 0; lo < len(rows); lo += batch {
		var pred, target []int32
		var logits []float32
		for _, i := range rows[lo:min(lo+batch, len(rows))] {
			pred, target = append(pred, s.pred[i]), append(target, s.target[i])
			logits = append(logits, s.logits[i*k:(i+1)*k]...)
			sum.Add(s.loss[i])
		}
		if err := acc.Add(pred, target, logits); err != nil {
			t.Fatal(err)
		}
	}
}

// part returns the rows as Predictions.
func (s *shardSet) part(rows []int) *Predictions {
	p := &Predictions{Index: []int{}, Target: []int32{}, Logits: []float32{}, Classes: s.classes}
	for _, i := range rows {
		p.Index, p.Target = append(p.Index, s.index[i]), append(p.Target, s.target[i])
		p.Logits = append(p.Logits, s.logits[i*s.classes:(i+1)*s.classes]...)
	}
	return p
}

// report returns the report of p as JSON.
func report(t *testing.T, p *Predictions) []byte {
	t.Helper()
	r, err := NewReport(p.Target, p.Logits, p.Classes, nil, ReportOptions{Beta: 2, Index: p.Index, Split: "test", Epoch: 3})
	if err != nil {
		t.Fatal(err)
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// Metrics of several ranks, combined from their Counts, loss Sums' Words
// and Predictions, are those of one pass over every row: every logged
// key, F-beta, the confusion matrix, the loss sum bit for bit and the
// report, for 2 and 3 ranks and several ways of splitting the rows.
func TestMergedShardsEqualOnePass(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, classes = 157, 7
	s := newShardSet(r, n, classes)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	one := must(NewAccumulator(classes))
	var oneLoss Sum
	s.feed(t, one, &oneLoss, all, 16)
	wantReport := report(t, s.part(all))

	splits := map[string]func(i, ranks int) int{
		"strided":  func(i, ranks int) int { return i % ranks },
		"blocks":   func(i, ranks int) int { return i * ranks / n },
		"random":   func(i, ranks int) int { return r.IntN(ranks) },
		"one rank": func(i, ranks int) int { return ranks - 1 },
	}
	for name, split := range splits {
		for ranks := 2; ranks <= 3; ranks++ {
			rows := make([][]int, ranks)
			for i := range n {
				k := split(i, ranks)
				rows[k] = append(rows[k], i)
			}
			var counts, words [][]int64
			var parts []*Predictions
			for k, rs := range rows {
				acc := must(NewAccumulator(classes))
				var loss Sum
				r.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] }) // the order within a rank does not matter
				s.feed(t, acc, &loss, rs, 5+k)
				counts = append(counts, acc.Counts())
				words = append(words, loss.Words())
				parts = append(parts, s.part(rs))
			}
			for _, reversed := range []bool{false, true} {
				if reversed {
					slices.Reverse(counts)
					slices.Reverse(words)
					slices.Reverse(parts)
				}
				what := name + "/" + string(rune('0'+ranks)) + " ranks"
				if reversed {
					what += "/reversed"
				}
				merged, err := MergeCounts(counts)
				if err != nil {
					t.Fatal(err)
				}
				if merged.Count() != n || !reflect.DeepEqual(merged.Metrics(), one.Metrics()) ||
					!reflect.DeepEqual(merged.FBeta(0.5), one.FBeta(0.5)) || !reflect.DeepEqual(merged.Confusion(), one.Confusion()) {
					t.Errorf("%s: merged metrics differ from one pass's", what)
				}
				var loss Sum
				for _, w := range words {
					back, err := SumFromWords(w)
					if err != nil {
						t.Fatal(err)
					}
					loss.Merge(back)
				}
				if loss.Value() != oneLoss.Value() {
					t.Errorf("%s: loss sum %v, want %v", what, loss.Value(), oneLoss.Value())
				}
				p, err := MergePredictions(parts...)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(p.Index, s.index) {
					t.Fatalf("%s: merged predictions in index order %v", what, p.Index)
				}
				if got := report(t, p); !bytes.Equal(got, wantReport) {
					t.Errorf("%s: merged report differs from one pass's:\n%s\nwant\n%s", what, got, wantReport)
				}
			}
		}
	}
}

func TestCountsRoundTrip(t *testing.T) {
	a := must(NewAccumulator(4))
	if err := a.Add([]int32{0, 1, 3, 3}, []int32{0, 2, 3, 1}, []float32{1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 0, 1, 0, 0, 0, 1}); err != nil {
		t.Fatal(err)
	}
	if err := a.Add([]int32{2}, []int32{2}, nil); err != nil {
		t.Fatal(err)
	}
	c := a.Counts()
	if len(c) != CountsLen(4) || c[0] != 4 || c[1] != 5 || c[2] != 4 {
		t.Fatalf("counts %v", c)
	}
	b, err := FromCounts(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b, a) {
		t.Errorf("read back %+v, want %+v", b, a)
	}
}

func TestFromCountsRejects(t *testing.T) {
	a := must(NewAccumulator(3))
	if err := a.Add([]int32{0, 1, 2}, []int32{0, 2, 2}, make([]float32, 9)); err != nil {
		t.Fatal(err)
	}
	good := a.Counts()
	for _, c := range []struct {
		name string
		edit func([]int64) []int64
		msg  string
	}{
		{"empty", func(c []int64) []int64 { return nil }, "0 counts"},
		{"no classes", func(c []int64) []int64 { c[0] = 0; return c }, "0 classes"},
		{"too many classes", func(c []int64) []int64 { c[0] = 1 << 40; return c }, "1099511627776 classes"},
		{"length", func(c []int64) []int64 { return c[:len(c)-1] }, "14 counts for 3 classes: want 15"},
		{"negative cell", func(c []int64) []int64 { c[6], c[7] = -1, c[7]+1; return c }, "negative count"},
		{"rows", func(c []int64) []int64 { c[1]++; return c }, "4 rows"},
		{"logit rows", func(c []int64) []int64 { c[2] = 4; return c }, "4 with logits"},
		{"hits", func(c []int64) []int64 { c[3] = c[4] + 1; return c }, "top-1, 3, 5 hits"},
	} {
		_, err := FromCounts(c.edit(slices.Clone(good)))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.msg)
		}
	}
	four := must(NewAccumulator(4)).Counts()
	if _, err := MergeCounts([][]int64{good, four}); err == nil || !strings.Contains(err.Error(), "rank 1: 4 classes into 3") {
		t.Errorf("MergeCounts of 3 and 4 classes: error %v", err)
	}
	if _, err := MergeCounts(nil); err == nil {
		t.Error("MergeCounts of nothing: no error")
	}
}

func TestMergePredictionsRejects(t *testing.T) {
	p := &Predictions{Index: []int{4, 1}, Target: []int32{0, 1}, Logits: []float32{1, 0, 0, 1}, Classes: 2}
	q := &Predictions{Index: []int{1}, Target: []int32{1}, Logits: []float32{0, 1}, Classes: 2}
	three := &Predictions{Index: []int{2}, Target: []int32{1}, Logits: []float32{0, 1, 2}, Classes: 3}
	noIndex := &Predictions{Target: []int32{1}, Logits: []float32{0, 1}, Classes: 2}
	for _, c := range []struct {
		parts []*Predictions
		msg   string
	}{
		{nil, "no predictions"},
		{[]*Predictions{p, q}, "sample index 1 appears twice"},
		{[]*Predictions{p, three}, "part 1: 3 classes (want 2)"},
		{[]*Predictions{p, noIndex}, "part 1: 2 classes (want 2), sample indices given: false"},
		{[]*Predictions{p, nil}, "part 1 is nil"},
	} {
		_, err := MergePredictions(c.parts...)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("error %v, want one saying %q", err, c.msg)
		}
	}
}
