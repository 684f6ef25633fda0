package gpu

import "github.com/wgtrain/wgtrain/ops"

// CrossEntropy writes the batch-mean cross-entropy.
func (g *Backend) CrossEntropy(loss, logits, labels *ops.Tensor) error {
	return notYet("cross_entropy")
}

// CrossEntropyBackward writes dlogits.
func (g *Backend) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor) error {
	return notYet("cross_entropy_backward")
}

// SigmoidFocal writes the tutorial's sigmoid focal loss.
func (g *Backend) SigmoidFocal(loss, logits, labels *ops.Tensor, s ops.FocalSpec) error {
	return notYet("sigmoid_focal")
}

// SigmoidFocalBackward writes dlogits.
func (g *Backend) SigmoidFocalBackward(dlogits, logits, labels, dloss *ops.Tensor, s ops.FocalSpec) error {
	return notYet("sigmoid_focal_backward")
}

// WeightedSum writes out = sum_k weights[k] * losses[k].
func (g *Backend) WeightedSum(out *ops.Tensor, losses []*ops.Tensor, weights []float32) error {
	return notYet("weighted_sum")
}

// Adam applies one Adam step in place.
func (g *Backend) Adam(p, gr, m, v *ops.Tensor, s ops.AdamSpec) error { return notYet("adam") }

// Argmax writes each row's first largest index.
func (g *Backend) Argmax(pred, logits *ops.Tensor) error { return notYet("argmax") }

func notYet(op string) error { return opErr(op, "not implemented on webgpu yet") }
