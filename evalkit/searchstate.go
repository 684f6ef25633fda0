package evalkit

import (
	"runtime"
	"slices"
	"sync"
)

// searchData is the read-only part of a threshold search, shared by the
// refinements of the four starts.
type searchData struct {
	n, c    int
	s       []float64 // scores, n*c row-major
	col     []float64 // scores, c*n column-major
	y       []int32
	obj     Objective
	argmax  []int32     // plain arg-max per row
	order   [][]int32   // per class, rows by ascending score, ties by row
	sorted  [][]float64 // per class, the scores in that order
	ysorted [][]int32   // per class, the targets in that order
	lo, hi  []float64   // per class lowest and highest score
	cands   [][]float64
	support []int64
}

func newSearchData(scores []float64, targets []int32, classes int, obj Objective) *searchData {
	n := len(targets)
	d := &searchData{
		n: n, c: classes, s: scores, y: targets, obj: obj,
		col:     make([]float64, n*classes),
		argmax:  ArgMax(scores, classes),
		order:   make([][]int32, classes),
		sorted:  make([][]float64, classes),
		ysorted: make([][]int32, classes),
		lo:      make([]float64, classes),
		hi:      make([]float64, classes),
		cands:   make([][]float64, classes),
		support: make([]int64, classes),
	}
	for _, y := range targets {
		d.support[y]++
	}
	for r := 0; r < n; r++ {
		for k := 0; k < classes; k++ {
			d.col[k*n+r] = scores[r*classes+k]
		}
	}
	// Sort each class's column; classes in parallel.
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), classes) {
		wg.Go(func() {
			type entry struct {
				s float64
				r int32
			}
			e := make([]entry, n)
			for k := range next {
				col := d.col[k*n : (k+1)*n]
				for r, v := range col {
					e[r] = entry{v, int32(r)}
				}
				slices.SortFunc(e, func(a, b entry) int { // scores are finite
					switch {
					case a.s < b.s:
						return -1
					case a.s > b.s:
						return 1
					}
					return int(a.r - b.r)
				})
				o, sv, ys := make([]int32, n), make([]float64, n), make([]int32, n)
				for i, x := range e {
					o[i], sv[i], ys[i] = x.r, x.s, targets[x.r]
				}
				d.order[k], d.sorted[k], d.ysorted[k] = o, sv, ys
				d.lo[k], d.hi[k] = sv[0], sv[n-1]
				d.cands[k] = linspace(sv[0], sv[n-1], searchPoints)
			}
		})
	}
	for k := 0; k < classes; k++ {
		next <- k
	}
	close(next)
	wg.Wait()
	return d
}

// startHalf is the first start: 0.5 for every class.
func (d *searchData) startHalf() []float64 {
	t := make([]float64, d.c)
	for k := range t {
		t[k] = 0.5
	}
	return t
}

// binaryValue is obj on the one-vs-rest problem of a class with pos rows
// of the class and neg of the rest, tp and fp of them predicted positive.
func binaryValue(obj Objective, tp, fp, pos, neg int64) float64 {
	tn, fn := neg-fp, pos-tp
	btp := [2]int64{tn, tp}
	bpc := [2]int64{tn + fn, tp + fp}
	bsup := [2]int64{neg, pos}
	return objectiveValue(obj, btp[:], bpc[:], bsup[:])
}

// startUnique is the second start: per class the best of its unique
// scores tried in ascending order, strict improvements over 0 only.
func (d *searchData) startUnique() []float64 {
	t := make([]float64, d.c)
	for k := 0; k < d.c; k++ {
		pos, neg := d.support[k], int64(d.n)-d.support[k]
		o, sv := d.order[k], d.sorted[k]
		tp, fp := pos, neg // at threshold sv[i], rows o[i:] are positive
		best := 0.0
		for i := 0; i < d.n; {
			v := sv[i]
			if m := binaryValue(d.obj, tp, fp, pos, neg); m > best {
				best, t[k] = m, v
			}
			for ; i < d.n && sv[i] == v; i++ {
				if d.y[o[i]] == int32(k) {
					tp--
				} else {
					fp--
				}
			}
		}
	}
	return t
}

// startShared is the third start: one threshold for all classes, the
// best of 100 evenly spaced points between the lowest and highest score.
// Every such vector predicts the plain arg-max, so all points tie and the
// first, the lowest score, is the best.
func (d *searchData) startShared() []float64 {
	lo := slices.Min(d.lo)
	t := make([]float64, d.c)
	for k := range t {
		t[k] = lo
	}
	return t
}

// startGrid is the fourth start: per class one-vs-rest, the best of 100
// evenly spaced points between its lowest and highest score.
func (d *searchData) startGrid() []float64 {
	t := make([]float64, d.c)
	for k := 0; k < d.c; k++ {
		pos, neg := d.support[k], int64(d.n)-d.support[k]
		o, sv := d.order[k], d.sorted[k]
		tp, fp := pos, neg // rows o[p:] are predicted positive
		p := 0
		best, bestT := 0.0, 0.0
		for i, th := range d.cands[k] {
			for p < d.n && sv[p] < th {
				if d.y[o[p]] == int32(k) {
					tp--
				} else {
					fp--
				}
				p++
			}
			for p > 0 && sv[p-1] >= th {
				p--
				if d.y[o[p]] == int32(k) {
					tp++
				} else {
					fp++
				}
			}
			m := 0.0
			if tp+fp > 0 {
				m = binaryValue(d.obj, tp, fp, pos, neg)
			}
			if i == 0 || m > best {
				best, bestT = m, th
			}
		}
		if best == 0 {
			bestT = 1
		}
		t[k] = bestT
	}
	return t
}

// searchState is the per-row state of one refinement: the thresholds,
// each row's best and second-best eligible class and its prediction, and
// the counts the objective is computed from.
type searchState struct {
	*searchData
	t          []float64
	top1, top2 []int32   // best and second-best eligible class, -1 for none
	s1, s2     []float64 // their scores
	pred       []int32
	tp, pc     []int64 // true positives and predictions per class

	// Scratch for one class's sweep.
	a, b     []int32 // in score order, each row's prediction with the class eligible / not
	stp, spc []int64
}

func newSearchState(d *searchData) *searchState {
	return &searchState{
		searchData: d,
		t:          make([]float64, d.c),
		top1:       make([]int32, d.n),
		top2:       make([]int32, d.n),
		s1:         make([]float64, d.n),
		s2:         make([]float64, d.n),
		pred:       make([]int32, d.n),
		tp:         make([]int64, d.c),
		pc:         make([]int64, d.c),
		a:          make([]int32, d.n),
		b:          make([]int32, d.n),
		stp:        make([]int64, d.c),
		spc:        make([]int64, d.c),
	}
}

// beats reports whether class i with score si comes before class j with
// score sj: higher score, ties to the lower index.
func beats(si float64, i int32, sj float64, j int32) bool {
	return si > sj || (si == sj && i < j)
}

// reset sets the state for thresholds t.
func (s *searchState) reset(t []float64) {
	copy(s.t, t)
	clear(s.tp)
	clear(s.pc)
	for r := 0; r < s.n; r++ {
		s.rank(r)
		p := s.predOf(r)
		s.pred[r] = p
		s.pc[p]++
		if s.y[r] == p {
			s.tp[p]++
		}
	}
}

func (s *searchState) predOf(r int) int32 {
	if p := s.top1[r]; p >= 0 {
		return p
	}
	return s.argmax[r]
}

// rank recomputes the best and second-best eligible class of row r.
func (s *searchState) rank(r int) {
	b1, b2 := int32(-1), int32(-1)
	var v1, v2 float64
	row := s.s[r*s.c : (r+1)*s.c]
	for j, v := range row {
		if v < s.t[j] {
			continue
		}
		k := int32(j)
		switch {
		case b1 < 0 || beats(v, k, v1, b1):
			b1, v1, b2, v2 = k, v, b1, v1
		case b2 < 0 || beats(v, k, v2, b2):
			b2, v2 = k, v
		}
	}
	s.top1[r], s.top2[r], s.s1[r], s.s2[r] = b1, b2, v1, v2
}

// setThreshold moves class k's threshold to v and updates the rows whose
// eligibility of k changes: those whose score lies between the old and
// the new threshold.
func (s *searchState) setThreshold(k int, v float64) {
	old := s.t[k]
	s.t[k] = v
	kk := int32(k)
	o, sv := s.order[k], s.sorted[k]
	lo, hi := min(old, v), max(old, v)
	i, _ := slices.BinarySearch(sv, lo) // first score >= lo
	for ; i < s.n && sv[i] < hi; i++ {
		r := int(o[i])
		sc := sv[i]
		if v < old { // k becomes eligible: insert it
			switch {
			case s.top1[r] < 0 || beats(sc, kk, s.s1[r], s.top1[r]):
				s.top2[r], s.s2[r] = s.top1[r], s.s1[r]
				s.top1[r], s.s1[r] = kk, sc
			case s.top2[r] < 0 || beats(sc, kk, s.s2[r], s.top2[r]):
				s.top2[r], s.s2[r] = kk, sc
			}
		} else if s.top1[r] == kk || s.top2[r] == kk { // k leaves the top two
			s.rank(r)
		}
		p := s.predOf(r)
		moveCount(s.y[r], s.pred[r], p, s.tp, s.pc)
		s.pred[r] = p
	}
}

// moveCount changes the prediction of a row with target y from p to q in
// the counts tp, pc.
func moveCount(y, p, q int32, tp, pc []int64) {
	if p == q {
		return
	}
	pc[p]--
	pc[q]++
	switch y {
	case p:
		tp[p]--
	case q:
		tp[q]++
	}
}

// sweep tries class k's candidates with the other thresholds fixed and
// returns the index of the first best one and its objective. It works in
// the order of class k's scores, so that the candidates, in ascending
// order, move a contiguous run of rows each.
func (s *searchState) sweep(k int) (int, float64) {
	kk := int32(k)
	clear(s.stp)
	clear(s.spc)
	o, sv, ys := s.order[k], s.sorted[k], s.ysorted[k]
	for i, r := range o {
		sk := sv[i]
		other, so := s.top1[r], s.s1[r]
		if other == kk {
			other, so = s.top2[r], s.s2[r]
		}
		a, b := kk, other
		if other < 0 {
			b = s.argmax[r]
		} else if beats(so, other, sk, kk) {
			a = other
		}
		s.a[i], s.b[i] = a, b
		// The first candidate is the lowest score: every row has k eligible.
		s.spc[a]++
		if ys[i] == a {
			s.stp[a]++
		}
	}
	p := 0 // rows o[:p] have k ineligible
	bestI, best := 0, 0.0
	for i, th := range s.cands[k] {
		for p < s.n && sv[p] < th {
			moveCount(ys[p], s.a[p], s.b[p], s.stp, s.spc)
			p++
		}
		for p > 0 && sv[p-1] >= th {
			p--
			moveCount(ys[p], s.b[p], s.a[p], s.stp, s.spc)
		}
		v := objectiveValue(s.obj, s.stp, s.spc, s.support)
		if i == 0 || v > best {
			bestI, best = i, v
		}
	}
	return bestI, best
}

// greedy refines t in place by coordinate ascent and returns its score.
func (s *searchState) greedy(t []float64) float64 {
	s.reset(t)
	best := objectiveValue(s.obj, s.tp, s.pc, s.support)
	var history []float64
	for it := 0; it < searchRounds; it++ {
		if len(history) >= searchPatience && best < history[it-searchPatience]+searchMinGain {
			break
		}
		for k := 0; k < s.c; k++ {
			i, v := s.sweep(k)
			if v > best {
				best = v
				s.setThreshold(k, s.cands[k][i])
			}
		}
		history = append(history, best)
	}
	copy(t, s.t)
	return best
}
