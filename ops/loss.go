package ops

import "fmt"

// FocalSpec holds the sigmoid focal loss's focusing parameter and class
// weight.
type FocalSpec struct {
	Gamma float32 // focusing parameter: (1-pt)^gamma weighs each term
	Alpha float32 // weight of the labelled class's term; the other classes get 1-alpha
}

// CrossEntropySpec holds the cross-entropy's label smoothing: the target
// of each row is (1-Smoothing)*onehot(label) + Smoothing/C, as in
// nn.CrossEntropyLoss(label_smoothing=Smoothing). The zero spec is plain
// cross-entropy.
type CrossEntropySpec struct {
	Smoothing float32 // in [0, 1]
}

// DefaultFocal is the tutorial's FocalLossMultiClass: gamma 2, alpha 0.25.
var DefaultFocal = FocalSpec{Gamma: 2, Alpha: 0.25}

// CheckLoss validates a classification loss: logits [N,C] with C >= 1,
// labels I32 [N], and loss [1] (the backward checks pass dloss there).
func CheckLoss(op string, logits, labels, loss *Tensor) error {
	if err := need(op, "logits", logits, F32, 2); err != nil {
		return err
	}
	if err := needShape(op, "labels", labels, I32, Shape{logits.shape[0]}); err != nil {
		return err
	}
	return needShape(op, "loss", loss, F32, Shape{1})
}

// CheckLabels checks that every label lies in [0, classes) and names the
// first row that does not.
func CheckLabels(op string, labels []int32, classes int) error {
	for i, l := range labels {
		if l < 0 || int(l) >= classes {
			return errf(op, "label %d of row %d is outside the %d classes", l, i, classes)
		}
	}
	return nil
}

// CheckFocal validates the focal loss's parameters.
func CheckFocal(op string, s FocalSpec) error {
	if !(s.Gamma >= 0) || !(s.Alpha >= 0 && s.Alpha <= 1) {
		return errf(op, "gamma %g and alpha %g: want gamma >= 0 and alpha in [0,1]", s.Gamma, s.Alpha)
	}
	return nil
}

// CheckCrossEntropy validates the cross-entropy's label smoothing, which
// must lie in [0, 1] as PyTorch requires.
func CheckCrossEntropy(op string, s CrossEntropySpec) error {
	if !(s.Smoothing >= 0 && s.Smoothing <= 1) {
		return errf(op, "label smoothing %g: want it in [0,1]", s.Smoothing)
	}
	return nil
}

// CheckWeightedSum validates WeightedSum.
func CheckWeightedSum(out *Tensor, losses []*Tensor, weights []float32) error {
	const op = "weighted_sum"
	if err := needShape(op, "out", out, F32, Shape{1}); err != nil {
		return err
	}
	if len(losses) == 0 || len(losses) != len(weights) {
		return errf(op, "%d losses and %d weights: want the same non-zero number", len(losses), len(weights))
	}
	for i, l := range losses {
		if l == nil || l.dtype != F32 || !l.shape.Equal(Shape{1}) {
			// The name is built only here: Sprintf allocates.
			return needShape(op, fmt.Sprintf("losses[%d]", i), l, F32, Shape{1})
		}
	}
	return nil
}
