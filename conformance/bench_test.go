package conformance_test

import (
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
)

// BenchmarkOps times each operation at the shapes of the tutorial's
// resnet9 (width 16, batch 32, the 32x32 stage) on both backends, waiting
// for the device after every call so that a queued backend is timed
// doing the work: go test ./conformance -run '^$' -bench Ops -benchtime 20x.
func BenchmarkOps(b *testing.B) {
	for _, name := range []string{"cpu", "webgpu"} {
		b.Run(name, func(b *testing.B) {
			be, done, err := gpu.Select(name, gpu.Options{}, nil)
			if err != nil {
				if citest.Strict() {
					b.Fatal(err)
				}
				b.Skip(err)
			}
			defer done()
			benchOps(b, be)
		})
	}
}

func benchOps(b *testing.B, be ops.Backend) {
	rng := rand.New(rand.NewPCG(1, 2))
	t := func(shape ...int) *ops.Tensor {
		x, err := be.Alloc(ops.F32, shape)
		if err != nil {
			b.Fatal(err)
		}
		v := make([]float32, x.Numel())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		if err := be.Upload(x, v); err != nil {
			b.Fatal(err)
		}
		return x
	}
	const n, c, o, hw = 32, 32, 32, 32
	x, w, bias, y := t(n, c, hw, hw), t(o, c, 3, 3), t(o), t(n, o, hw, hw)
	dy, dx, dw, db := t(n, o, hw, hw), t(n, c, hw, hw), t(o, c, 3, 3), t(o)
	g, be2, mean, inv, rm, rv := t(o), t(o), t(o), t(o), t(o), t(o)
	be.Fill(rv, 1)
	pooled := t(n, o, hw/2, hw/2)
	fx, fw, fb, fy, fdy := t(n, 128), t(10, 128), t(10), t(n, 10), t(n, 10)
	fdx, fdw, fdb := t(n, 128), t(10, 128), t(10)
	labels, _ := be.Alloc(ops.I32, ops.Shape{n})
	lab := make([]int32, n)
	for i := range lab {
		lab[i] = int32(i % 10)
	}
	be.UploadInt(labels, lab)
	loss, dloss := t(1), t(1)
	be.Fill(dloss, 1)
	p, pg, pm, pv := t(300000), t(300000), t(300000), t(300000)
	be.Fill(pv, 0)
	conv := ops.ConvSpec{Stride: 1, Padding: 1}
	convFLOPs := float64(2 * n * o * hw * hw * c * 9)
	cases := []struct {
		name  string
		flops float64
		run   func() error
	}{
		{"conv2d_32x32x32_to_32", convFLOPs, func() error { return be.Conv2D(y, x, w, bias, conv) }},
		{"conv2d_backward_data", convFLOPs, func() error { return be.Conv2DBackwardData(dx, dy, w, conv) }},
		{"conv2d_backward_filter", convFLOPs, func() error { return be.Conv2DBackwardFilter(dw, db, x, dy, conv) }},
		{"batchnorm_train", 0, func() error { return be.BatchNormTrain(y, mean, inv, x, g, be2, rm, rv, ops.DefaultBatchNorm) }},
		{"batchnorm_backward", 0, func() error { return be.BatchNormBackward(dx, g, be2, x, dy, mean, inv, g) }},
		{"relu", 0, func() error { return be.ReLU(y, x) }},
		{"relu_backward", 0, func() error { return be.ReLUBackward(dx, y, dy) }},
		{"maxpool2d", 0, func() error { return be.MaxPool2D(pooled, x, 2) }},
		{"maxpool2d_backward", 0, func() error { return be.MaxPool2DBackward(dx, x, pooled, 2) }},
		{"dropout", 0, func() error { return be.Dropout(y, x, ops.DropoutSpec{P: 0.2, Seed: 1, Step: 2}) }},
		{"linear_128_to_10", float64(2 * n * 128 * 10), func() error { return be.Linear(fy, fx, fw, fb) }},
		{"linear_backward", float64(4 * n * 128 * 10), func() error { return be.LinearBackward(fdx, fdw, fdb, fx, fw, fdy) }},
		{"cross_entropy", 0, func() error { return be.CrossEntropy(loss, fy, labels, ops.CrossEntropySpec{}) }},
		{"cross_entropy_backward", 0, func() error { return be.CrossEntropyBackward(fdy, fy, labels, dloss, ops.CrossEntropySpec{}) }},
		{"sigmoid_focal_backward", 0, func() error { return be.SigmoidFocalBackward(fdy, fy, labels, dloss, ops.DefaultFocal) }},
		{"adam_300k", 0, func() error { return be.Adam(p, pg, pm, pv, ops.DefaultAdam(1e-3, 1)) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if err := c.run(); err != nil { // warm-up: compiles pipelines
				b.Fatal(err)
			}
			if err := be.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
				if err := be.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			if c.flops > 0 {
				b.ReportMetric(c.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			}
		})
	}
}
