package conformance

// The broken max pooling that MaxPool2D must catch.

import "github.com/wgtrain/wgtrain/ops"

// maxPoolLastMax routes each window's gradient to its last maximum.
type maxPoolLastMax struct{ ops.Backend }

func (b maxPoolLastMax) MaxPool2DBackward(dx, x, dy *ops.Tensor, k int) error {
	xs, err := b.Download(x)
	if err != nil {
		return err
	}
	g, err := b.Download(dy)
	if err != nil {
		return err
	}
	s := x.Shape()
	d := make([]float32, len(xs))
	for i, xi := range poolArgmax(s[0], s[1], s[2], s[3], k, f64(xs), true) {
		d[xi] = g[i]
	}
	return b.Upload(dx, d)
}

var maxPoolMutants = []mutant{
	{"maxpool_last_max", MaxPool2D, maxPoolLastMax{cpu}, []string{"ties/", "MaxPool2DBackward"}},
}
