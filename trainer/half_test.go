package trainer_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// The stated band of TestWebGPUHalfFollowsF32: the mean loss of each
// block of f16BlockSteps steps within f16LossBand (relative) of the f32
// run's. Single steps differ more (up to about 12% measured: two runs
// whose weights differ by rounding see each new batch differently), so
// the band is on block means, as a loss curve is read.
const (
	f16BlockSteps = 8
	f16LossBand   = 0.06
)

// fashionBatches returns n batches of 32 Fashion-MNIST training images,
// padded to 32x32 and normalized as the runs do, or skips the test.
func fashionBatches(t *testing.T, n int) []trainer.Batch {
	ds, err := datasets.Load("fashion-mnist", "/usr/share/datasets/fashion-mnist", datasets.LoadOptions{})
	if err != nil {
		citest.Missing(t, "Fashion-MNIST", err.Error())
	}
	const batch, size = 32, 32
	tr := ds.Train
	pad := float32((0 - 0.2860) / 0.3530)
	out := make([]trainer.Batch, n)
	for s := range out {
		b := trainer.Batch{Images: make([]float32, batch*size*size), Shape: ops.Shape{batch, 1, size, size}, Labels: make([]int32, batch)}
		for i := range batch {
			k := (s*batch + i) % tr.Len()
			b.Labels[i] = tr.Labels[k]
			for y := range size {
				for x := range size {
					v := pad
					if y >= 2 && y < 30 && x >= 2 && x < 30 {
						v = (float32(tr.Images[k*784+(y-2)*28+x-2])/255 - 0.2860) / 0.3530
					}
					b.Images[(i*size+y)*size+x] = v
				}
			}
		}
		out[s] = b
	}
	return out
}

// resnet9 (width 16, dropout 0.2, Adam at lr 1e-3, the stepper's dynamic
// loss scaling) trained for 24 steps on Fashion-MNIST batches of 32 on
// WebGPU with binary16 activations follows the same run on the CPU
// backend in float32 within the band above, and no step is skipped.
func TestWebGPUHalfFollowsF32(t *testing.T) {
	const steps = 24
	batches := fashionBatches(t, steps)
	g, err := gpu.New(gpu.Options{Precision: gpu.PrecisionF16})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	defer g.Close()
	run := func(b ops.Backend) ([]float64, *trainer.Stepper) {
		m, err := graph.NewResNet9(b, 1, 10, 16, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.InitPyTorch(b, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatal(err)
		}
		opt, err := trainer.NewAdam(b, m.Trainable(), 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt, Seed: 1}
		t.Cleanup(s.Close)
		var losses []float64
		for i, bt := range batches {
			r, err := s.Train(bt, i)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, r.Loss)
		}
		return losses, s
	}
	l32, _ := run(ops.NewCPU())
	l16, s16 := run(g)
	scale, skipped := s16.LossScale()
	if scale != trainer.LossScaleInit || skipped != 0 {
		t.Errorf("loss scale %g, %d steps skipped; want %d, none", scale, skipped, trainer.LossScaleInit)
	}
	worst := 0.0
	for b0 := 0; b0 < steps; b0 += f16BlockSteps {
		m32, m16 := mean(l32[b0:b0+f16BlockSteps]), mean(l16[b0:b0+f16BlockSteps])
		d := math.Abs(m16-m32) / m32
		worst = max(worst, d)
		if !(d <= f16LossBand) {
			t.Errorf("steps %d-%d: mean loss f32 %.4f, f16 %.4f: %.4f apart, band %g", b0, b0+f16BlockSteps-1, m32, m16, d, f16LossBand)
		}
	}
	t.Logf("losses f32 %.4f", l32)
	t.Logf("losses f16 %.4f", l16)
	t.Logf("largest relative difference of %d-step means: %.4f (band %g)", f16BlockSteps, worst, f16LossBand)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
