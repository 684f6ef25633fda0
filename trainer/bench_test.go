package trainer_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// BenchmarkTrainStep times training steps (forward, CE, backward, Adam)
// of the tutorial's resnet9 on 3x32x32 images on each backend, pipelined
// as a training loop runs them (the next step is recorded while the
// previous one's loss comes back), and reports images per second. The
// tutorial's shape is batch 32, width 16; on lavapipe a step of that size
// takes seconds, so run it with -benchtime=3x there.
func BenchmarkTrainStep(b *testing.B) {
	benchShapes(b, benchTrain)
}

// BenchmarkEvalStep times evaluation steps (forward in evaluation mode,
// CE loss, arg-max) of the tutorial's resnet9, pipelined as the runner's
// evaluation loop runs them, and reports images per second.
func BenchmarkEvalStep(b *testing.B) {
	benchShapes(b, benchEval)
}

// benchShapes runs bench on each backend at the tutorial's shape (batch
// 32, width 16) and a small one (batch 8, width 8).
func benchShapes(b *testing.B, bench func(b *testing.B, be ops.Backend, batch, width int)) {
	for _, name := range []string{"cpu", "webgpu"} {
		for _, sz := range [][2]int{{32, 16}, {8, 8}} {
			b.Run(fmt.Sprintf("%s/batch%d_width%d", name, sz[0], sz[1]), func(b *testing.B) {
				be, done := benchBackend(b, name)
				defer done()
				bench(b, be, sz[0], sz[1])
			})
		}
	}
}

func benchBackend(b *testing.B, name string) (ops.Backend, func() error) {
	be, done, err := gpu.Select(name, gpu.Options{}, nil)
	if err != nil {
		if citest.Strict() {
			b.Fatal(err)
		}
		b.Skip(err)
	}
	return be, done
}

func benchTrain(b *testing.B, be ops.Backend, batch, width int) {
	s, bt := benchStepper(b, be, batch, width)
	benchPipelined(b, batch, func(i int) (*trainer.PendingStep, error) { return s.Start(bt, i) })
}

func benchEval(b *testing.B, be ops.Backend, batch, width int) {
	s, bt := benchStepper(b, be, batch, width)
	benchPipelined(b, batch, func(int) (*trainer.PendingStep, error) { return s.StartEval(bt) })
}

// benchPipelined runs start(0) as a warm-up (pipelines, buffers), then
// times b.N steps started while the previous one's results come back, and
// reports images per second.
func benchPipelined(b *testing.B, batch int, start func(i int) (*trainer.PendingStep, error)) {
	wait := func(p *trainer.PendingStep, err error) {
		if err == nil {
			_, err = p.Wait()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	wait(start(0))
	b.ReportAllocs()
	b.ResetTimer()
	var prev *trainer.PendingStep
	for i := 0; i < b.N; i++ {
		p, err := start(i + 1)
		if err != nil {
			b.Fatal(err)
		}
		if prev != nil {
			wait(prev, nil)
		}
		prev = p
	}
	wait(prev, nil)
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
}

// benchStepper builds a PyTorch-initialized resnet9 with Adam and CE and a
// fixed synthetic batch.
func benchStepper(b *testing.B, be ops.Backend, batch, width int) (*trainer.Stepper, trainer.Batch) {
	m, err := graph.NewResNet9(be, 3, 10, width, 0.2)
	if err != nil {
		b.Fatal(err)
	}
	m.InitPyTorch(be, rand.New(rand.NewPCG(1, 1)))
	shape := ops.Shape{batch, 3, 32, 32}
	xs := make([]float32, shape.Numel())
	for i := range xs {
		xs[i] = float32(i%13) / 13
	}
	ys := make([]int32, batch)
	for i := range ys {
		ys[i] = int32(i % 10)
	}
	bt := trainer.Batch{Images: xs, Shape: shape, Labels: ys}
	opt, _ := trainer.NewAdam(be, m.Trainable(), 1e-3)
	return &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt}, bt
}
