package conformance

// The broken convolutions that Conv2D must catch; each embeds the CPU
// backend and gets one thing wrong.

import "github.com/wgtrain/wgtrain/ops"

type convNoBias struct{ ops.Backend }

func (b convNoBias) Conv2D(y, x, w, _ *ops.Tensor, s ops.ConvSpec) error {
	return b.Backend.Conv2D(y, x, w, nil, s)
}

type convDataScaled struct{ ops.Backend }

func (b convDataScaled) Conv2DBackwardData(dx, dy, w *ops.Tensor, s ops.ConvSpec) error {
	if err := b.Backend.Conv2DBackwardData(dx, dy, w, s); err != nil {
		return err
	}
	return b.Scale(dx, dx, 1.1)
}

type convFilterNoDb struct{ ops.Backend }

func (b convFilterNoDb) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	return b.Backend.Conv2DBackwardFilter(dw, nil, x, dy, s)
}

var convMutants = []mutant{
	{"conv_drops_bias", Conv2D, convNoBias{cpu}, []string{"Conv2D(x", "bias true", ": y"}},
	{"conv_dx_scaled", Conv2D, convDataScaled{cpu}, []string{"Conv2DBackwardData", "differ beyond", "finite differences", "directional"}},
	{"conv_no_db", Conv2D, convFilterNoDb{cpu}, []string{": db", "finite differences"}},
}
