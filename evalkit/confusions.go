package evalkit

import (
	"cmp"
	"fmt"
	"slices"
)

// Confusion is one off-diagonal cell of the confusion matrix: rows of
// class True predicted (arg-max) as Pred, their Count, and the data set
// sample indices (the predictions file's index column) of its
// highest-confidence mistakes with those confidences (the softmax
// probability of Pred), most confident first.
type Confusion struct {
	True        int       `json:"true"`
	Pred        int       `json:"pred"`
	Count       int64     `json:"count"`
	Indices     []int     `json:"indices"`
	Confidences []float64 `json:"confidences"`
}

// TopConfusions returns the k most frequent confusions of labeled
// predictions p (all of them for k = 0), by count, then true class, then
// predicted class; each with up to perPair of its mistakes, by confidence
// and then sample index. It returns an *InputError for k or perPair below
// 0 and for predictions that are not len(Index) labeled rows of finite
// logits.
func TopConfusions(p *Predictions, k, perPair int) ([]Confusion, error) {
	switch {
	case p == nil:
		return nil, &InputError{"TopConfusions", "no predictions"}
	case k < 0 || perPair < 0:
		return nil, &InputError{"TopConfusions", fmt.Sprintf("k %d, perPair %d: want numbers >= 0", k, perPair)}
	case len(p.Index) != len(p.Target):
		return nil, &InputError{"TopConfusions", fmt.Sprintf("%d indices for %d rows", len(p.Index), len(p.Target))}
	}
	if err := checkRows("TopConfusions", p.Target, p.Logits, p.Classes); err != nil {
		return nil, err
	}
	type mistake struct {
		index int
		conf  float64
	}
	c := p.Classes
	conf, _ := topConfidences(Softmax(p.Logits, c), p.Target, c)
	pred := ArgMax(p.Logits, c)
	cells := map[[2]int][]mistake{}
	for i, y := range p.Target {
		if pred[i] != y {
			key := [2]int{int(y), int(pred[i])}
			cells[key] = append(cells[key], mistake{p.Index[i], conf[i]})
		}
	}
	out := make([]Confusion, 0, len(cells))
	for key, ms := range cells {
		slices.SortFunc(ms, func(a, b mistake) int {
			return cmp.Or(cmp.Compare(b.conf, a.conf), cmp.Compare(a.index, b.index))
		})
		ms = ms[:min(perPair, len(ms))]
		cf := Confusion{True: key[0], Pred: key[1], Count: int64(len(cells[key])), Indices: []int{}, Confidences: []float64{}}
		for _, m := range ms {
			cf.Indices = append(cf.Indices, m.index)
			cf.Confidences = append(cf.Confidences, m.conf)
		}
		out = append(out, cf)
	}
	slices.SortFunc(out, func(a, b Confusion) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.True, b.True), cmp.Compare(a.Pred, b.Pred))
	})
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out, nil
}
