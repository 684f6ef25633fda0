package conformance

// The broken batch norms that BatchNorm must catch.

import "github.com/wgtrain/wgtrain/ops"

type bnMomentumSwapped struct{ ops.Backend }

func (b bnMomentumSwapped) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	s.Momentum = 1 - s.Momentum
	return b.Backend.BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

type bnDgammaDoubled struct{ ops.Backend }

func (b bnDgammaDoubled) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *ops.Tensor) error {
	if err := b.Backend.BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	return b.Scale(dgamma, dgamma, 2)
}

var bnMutants = []mutant{
	{"bn_momentum_swapped", BatchNorm, bnMomentumSwapped{cpu}, []string{"running_mean", "running_var"}},
	{"bn_dgamma_doubled", BatchNorm, bnDgammaDoubled{cpu}, []string{"dgamma", "finite differences"}},
}
