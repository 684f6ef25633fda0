package datasets

import (
	"fmt"
	"math"
	"slices"
)

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
