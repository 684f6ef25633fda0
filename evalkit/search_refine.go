package evalkit

import "slices"

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
