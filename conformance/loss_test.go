package conformance

// The broken losses that CrossEntropy, SigmoidFocal and WeightedSum must
// catch.

import (
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

type ceBackwardNoMean struct{ ops.Backend }

func (b ceBackwardNoMean) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor, s ops.CrossEntropySpec) error {
	if err := b.Backend.CrossEntropyBackward(dlogits, logits, labels, dloss, s); err != nil {
		return err
	}
	return b.Scale(dlogits, dlogits, float32(logits.Shape()[0]))
}

// ceNaive computes cross entropy in float32 without shifting by the row
// maximum, so large logits overflow.
type ceNaive struct{ ops.Backend }

func (b ceNaive) CrossEntropy(loss, logits, labels *ops.Tensor, _ ops.CrossEntropySpec) error {
	x, err := b.Download(logits)
	if err != nil {
		return err
	}
	l, err := b.DownloadInt(labels)
	if err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	var sum float32
	for r := 0; r < n; r++ {
		var z float32
		for j := 0; j < c; j++ {
			z += float32(math.Exp(float64(x[r*c+j])))
		}
		sum += float32(math.Log(float64(z))) - x[r*c+int(l[r])]
	}
	return b.Upload(loss, []float32{sum / float32(n)})
}

// ceIgnoresSmoothing computes plain cross-entropy whatever the smoothing.
type ceIgnoresSmoothing struct{ ops.Backend }

func (b ceIgnoresSmoothing) CrossEntropy(loss, logits, labels *ops.Tensor, _ ops.CrossEntropySpec) error {
	return b.Backend.CrossEntropy(loss, logits, labels, ops.CrossEntropySpec{})
}

func (b ceIgnoresSmoothing) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor, _ ops.CrossEntropySpec) error {
	return b.Backend.CrossEntropyBackward(dlogits, logits, labels, dloss, ops.CrossEntropySpec{})
}

// ceSmoothingBackwardOnly smooths the gradient but not the loss, so
// finite differences of the loss disagree with the gradient.
type ceSmoothingBackwardOnly struct{ ops.Backend }

func (b ceSmoothingBackwardOnly) CrossEntropy(loss, logits, labels *ops.Tensor, _ ops.CrossEntropySpec) error {
	return b.Backend.CrossEntropy(loss, logits, labels, ops.CrossEntropySpec{})
}

type focalIgnoresDloss struct{ ops.Backend }

func (b focalIgnoresDloss) SigmoidFocalBackward(dlogits, logits, labels, _ *ops.Tensor, s ops.FocalSpec) error {
	return withTensor(b, ops.Shape{1}, []float32{1}, func(one *ops.Tensor) error {
		return b.Backend.SigmoidFocalBackward(dlogits, logits, labels, one, s)
	})
}

type weightedSumDropsLast struct{ ops.Backend }

func (b weightedSumDropsLast) WeightedSum(out *ops.Tensor, losses []*ops.Tensor, weights []float32) error {
	if n := len(losses); n > 1 {
		losses, weights = losses[:n-1], weights[:n-1]
	}
	return b.Backend.WeightedSum(out, losses, weights)
}

var lossMutants = []mutant{
	{"ce_backward_no_mean", CrossEntropy, ceBackwardNoMean{cpu}, []string{"CrossEntropyBackward", "finite differences"}},
	{"ce_naive", CrossEntropy, ceNaive{cpu}, []string{"shifted1000", "extreme", ": loss"}},
	{"ce_ignores_smoothing", CrossEntropy, ceIgnoresSmoothing{cpu}, []string{"smooth0.3", "CrossEntropy[smoothing 0.3](logits"}},
	{"ce_smoothing_backward_only", CrossEntropy, ceSmoothingBackwardOnly{cpu}, []string{"smooth0.1", ": loss", "finite differences"}},
	{"focal_ignores_dloss", SigmoidFocal, focalIgnoresDloss{cpu}, []string{"dloss -1.75", "finite differences"}},
	{"weighted_sum_drops_last", WeightedSum, weightedSumDropsLast{cpu}, []string{"WeightedSum"}},
}
