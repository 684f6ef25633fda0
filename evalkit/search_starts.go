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
