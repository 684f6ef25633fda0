package trainer_test

import (
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// BenchmarkTrainStepResNet9 times one training step (forward, CE,
// backward, Adam) of the tutorial's resnet9 (width 16) at batch 32 on the
// CPU backend; it reports images per second.
func BenchmarkTrainStepResNet9(b *testing.B) {
	be := ops.NewCPU()
	m, err := graph.NewResNet9(be, 3, 10, 16, 0.2)
	if err != nil {
		b.Fatal(err)
	}
	m.InitPyTorch(be, rand.New(rand.NewPCG(1, 1)))
	shape := ops.Shape{32, 3, 32, 32}
	xs := make([]float32, shape.Numel())
	for i := range xs {
		xs[i] = float32(i%13) / 13
	}
	ys := make([]int32, 32)
	for i := range ys {
		ys[i] = int32(i % 10)
	}
	batch := trainer.Batch{Images: xs, Shape: shape, Labels: ys}
	opt, _ := trainer.NewAdam(be, m.Trainable(), 1e-3)
	s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Train(batch, i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "images/s")
}
