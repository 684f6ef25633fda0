package datasets

import (
	"fmt"
	"math"
	"slices"
)

// byClass returns the indices of each class's samples, in file order.
func byClass(s *Split, classes int) ([][]int, error) {
	if classes < 1 {
		return nil, fmt.Errorf("datasets: %d classes", classes)
	}
	idx := make([][]int, classes)
	for i, l := range s.Labels {
		if l < 0 || int(l) >= classes {
			return nil, fmt.Errorf("datasets: %s sample %d has label %d, outside [0,%d)", s.Name, i, l, classes)
		}
		idx[l] = append(idx[l], i)
	}
	return idx, nil
}

// CarveValidation splits train into (tr, valid), with n samples in valid
// (0 <= n < train.Len()) drawn stratified by class: each class gives
// n*count/total samples, rounded by largest remainder (ties to the lower
// class), chosen at random under seed. Both keep the file order; train is
// unchanged.
func CarveValidation(train *Split, n int, classes int, seed uint64) (tr, valid *Split, err error) {
	if n < 0 || n >= train.Len() {
		return nil, nil, fmt.Errorf("datasets: a validation split of %d samples from %d training samples (want 0 <= n < %d)", n, train.Len(), train.Len())
	}
	idx, err := byClass(train, classes)
	if err != nil {
		return nil, nil, err
	}
	total := train.Len()
	quota := make([]int, classes)
	rem := make([]int, classes) // n*count mod total: the fractional parts, scaled
	given := 0
	for c, ix := range idx {
		q := n * len(ix)
		quota[c], rem[c] = q/total, q%total
		given += quota[c]
	}
	order := make([]int, classes)
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int { return rem[b] - rem[a] })
	for _, c := range order[:n-given] {
		quota[c]++
	}
	inValid := make([]bool, total)
	for c, ix := range idx {
		p := slices.Clone(ix)
		newRNG(seed, purposeValid, uint64(c)).shuffle(p)
		for _, i := range p[:quota[c]] {
			inValid[i] = true
		}
	}
	var keep, val []int
	for i, v := range inValid {
		if v {
			val = append(val, i)
		} else {
			keep = append(keep, i)
		}
	}
	return train.Subset(train.Name, keep), train.Subset("valid", val), nil
}

// LongTail returns a long-tailed subset of train: class c keeps
// floor(n_max * (1/ratio)^(c/(C-1))) samples (at least 1, at most what it
// has), where n_max is the largest class's size and ratio >= 1 the
// imbalance between the first class and the last — the exponential
// profile of the long-tailed CIFAR benchmarks (Cui et al. 2019), whose
// published CIFAR-10-LT with ratio 100 keeps 5000, 2997, ..., 50. Which
// samples a class keeps is chosen at random under seed; the result keeps
// the file order.
func LongTail(train *Split, classes int, ratio float64, seed uint64) (*Split, error) {
	if !(ratio >= 1) || math.IsInf(ratio, 0) {
		return nil, fmt.Errorf("datasets: imbalance ratio %v, want a finite ratio >= 1", ratio)
	}
	if classes < 2 {
		return nil, fmt.Errorf("datasets: a long tail needs at least 2 classes, not %d", classes)
	}
	idx, err := byClass(train, classes)
	if err != nil {
		return nil, err
	}
	nmax := 0
	for _, ix := range idx {
		nmax = max(nmax, len(ix))
	}
	keep := make([]bool, train.Len())
	for c, ix := range idx {
		k := LongTailCount(nmax, c, classes, ratio)
		k = min(max(k, 1), len(ix))
		p := slices.Clone(ix)
		newRNG(seed, purposeLongTail, uint64(c)).shuffle(p)
		for _, i := range p[:k] {
			keep[i] = true
		}
	}
	var kept []int
	for i, k := range keep {
		if k {
			kept = append(kept, i)
		}
	}
	return train.Subset(train.Name, kept), nil
}

// LongTailCount returns floor(nmax * (1/ratio)^(c/(classes-1))), the
// size of class c in a long-tailed profile, computed as the long-tailed
// CIFAR code does (img_max * imb_factor**(cls_idx / (cls_num - 1.0))).
func LongTailCount(nmax, c, classes int, ratio float64) int {
	return int(float64(nmax) * math.Pow(1/ratio, float64(c)/(float64(classes)-1)))
}
