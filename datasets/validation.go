package datasets

import (
	"fmt"
	"slices"
)

// CarveValidation splits train into (tr, valid), with n samples in valid
// (0 <= n < train.Len()) drawn stratified by class: each class gives
// n*count/total samples, rounded by largest remainder (ties to the lower
// class), chosen at random under seed. Both keep the file order; train is
// unchanged.
func CarveValidation(train *Split, n int, classes int, seed uint64) (tr, valid *Split, err error) {
	return carve(train, n, classes, seed, purposeValid)
}

// carve is CarveValidation drawing from the random stream purpose.
func carve(train *Split, n int, classes int, seed, purpose uint64) (tr, valid *Split, err error) {
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
		newRNG(seed, purpose, uint64(c)).shuffle(p)
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
