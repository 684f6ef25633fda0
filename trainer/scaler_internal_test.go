package trainer

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
)

// The scale follows GradScaler: halved (not below 1) by each skipped
// step, doubled after LossScaleInterval finite steps in a row.
func TestLossScalerUpdate(t *testing.T) {
	s := &lossScaler{scale: LossScaleInit}
	s.update(false)
	if s.scale != LossScaleInit/2 || s.skipped != 1 {
		t.Fatalf("after an overflow: scale %g, skipped %d; want %d, 1", s.scale, s.skipped, LossScaleInit/2)
	}
	for range LossScaleInterval - 1 {
		s.update(true)
	}
	if s.scale != LossScaleInit/2 {
		t.Fatalf("scale %g after %d finite steps; want it unchanged", s.scale, LossScaleInterval-1)
	}
	s.update(true)
	if s.scale != LossScaleInit {
		t.Fatalf("scale %g after %d finite steps; want %d", s.scale, LossScaleInterval, LossScaleInit)
	}
	for range 20 {
		s.update(false)
	}
	if s.scale != 1 {
		t.Fatalf("scale %g after 20 overflows; want the floor, 1", s.scale)
	}
}

// On WebGPU with binary16 activations the stepper scales the loss: a
// step at GradScaler's initial scale updates the weights; a scale that
// makes the binary16 gradients overflow skips the step (weights, Adam's
// moments unchanged) and halves the scale; the next steps train.
func TestWebGPUHalfLossScaling(t *testing.T) {
	g, err := gpu.New(gpu.Options{Precision: gpu.PrecisionF16})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	defer g.Close()
	m, err := graph.NewResNet9(g, 3, 5, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(g, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	opt, err := NewAdam(g, m.Trainable(), 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	s := &Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt, Seed: 1}
	defer s.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	shape := ops.Shape{4, 3, 32, 32}
	b := Batch{Images: make([]float32, shape.Numel()), Shape: shape, Labels: []int32{0, 1, 2, 3}}
	for i := range b.Images {
		b.Images[i] = float32(rng.NormFloat64())
	}
	weights := func() []float32 {
		v, err := g.Download(opt.set.value)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := weights()
	if _, err := s.Train(b, 0); err != nil {
		t.Fatal(err)
	}
	if scale, skipped := s.LossScale(); scale != LossScaleInit || skipped != 0 {
		t.Fatalf("after a step: scale %g, skipped %d; want %d, 0", scale, skipped, LossScaleInit)
	}
	after := weights()
	if slices.Equal(before, after) {
		t.Fatal("a finite step left the weights unchanged")
	}
	s.scaler.scale = 1e38 // float32's range; binary16 gradients overflow
	if _, err := s.Train(b, 1); err != nil {
		t.Fatal(err)
	}
	if scale, skipped := s.LossScale(); scale != 5e37 || skipped != 1 {
		t.Fatalf("after an overflowing step: scale %g, skipped %d; want 5e37, 1", scale, skipped)
	}
	if !slices.Equal(after, weights()) {
		t.Fatal("a step with non-finite gradients changed the weights")
	}
	s.scaler.scale = LossScaleInit
	first, err := s.Train(b, 2)
	if err != nil {
		t.Fatal(err)
	}
	var last StepResult
	for step := 3; step < 12; step++ {
		if last, err = s.Train(b, step); err != nil {
			t.Fatal(err)
		}
	}
	if _, skipped := s.LossScale(); skipped != 1 {
		t.Errorf("%d steps skipped at scale %d; want only the forced one", skipped, LossScaleInit)
	}
	if !(last.Loss < first.Loss) {
		t.Errorf("loss went from %g to %g in 10 steps on one batch; want it lower", first.Loss, last.Loss)
	}
}
