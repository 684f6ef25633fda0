package trainer

import (
	"fmt"

	"github.com/wgtrain/wgtrain/evalkit"
)

// TTA is a test-time augmentation that Evaluate and Predict apply: the
// logits of each image are the mean of the model's logits over the
// image's views.
type TTA string

const (
	// TTANone evaluates each image once ("" means the same).
	TTANone TTA = "none"
	// TTAFlip averages the logits of each image and its horizontal mirror
	// image (each row of each channel reversed).
	TTAFlip TTA = "flip"
)

// ParseTTA returns the TTA s names: "none" (or "") or "flip".
func ParseTTA(s string) (TTA, error) {
	switch TTA(s) {
	case "", TTANone:
		return TTANone, nil
	case TTAFlip:
		return TTAFlip, nil
	}
	return "", fmt.Errorf("unknown test-time augmentation %q (want none or flip)", s)
}

// flip reports whether t mirrors the images; any value ParseTTA refuses
// is an error.
func (t TTA) flip() (bool, error) {
	v, err := ParseTTA(string(t))
	return v == TTAFlip, err
}

// mirror writes into dst (grown as needed) b's images mirrored
// horizontally: each row of each channel of each image reversed. The
// loader's images are already transformed and normalized, so this is the
// mirror image's batch exactly.
func mirror(dst []float32, b Batch) Batch {
	dst = append(dst[:0], b.Images...)
	w := b.Shape[3]
	for r := 0; r+w <= len(dst); r += w {
		row := dst[r : r+w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
	return Batch{Images: dst, Shape: b.Shape, Labels: b.Labels}
}

// meanResult combines the results of a batch and of its mirror image's
// batch: the mean of the two logits, each row's first largest mean logit
// as its class, and the mean of the two losses (the criteria are not
// evaluated on the mean logits; docs/SPEC.md §4 says so).
func meanResult(a, b StepResult) StepResult {
	out := StepResult{Loss: (a.Loss + b.Loss) / 2, Logits: make([]float32, len(a.Logits))}
	if a.Parts != nil {
		out.Parts = make(map[string]float64, len(a.Parts))
		for k, v := range a.Parts {
			out.Parts[k] = (v + b.Parts[k]) / 2
		}
	}
	for i, v := range a.Logits {
		out.Logits[i] = (v + b.Logits[i]) / 2
	}
	out.Pred = []int32{}
	if n := len(a.Pred); n > 0 {
		out.Pred = evalkit.ArgMax(out.Logits, len(out.Logits)/n)
	}
	return out
}
