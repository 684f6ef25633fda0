package trainer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// ExampleRun trains a small resnet9 for two epochs on a toy data set of
// 28x28 gray images (class c brightens the c-th quarter of the rows) and
// reads the validation accuracy of the best epoch. The run directory gets
// checkpoints, logs, TensorBoard events, predictions and the report.
func ExampleRun() {
	b := ops.NewCPU() // or gpu.New(gpu.Options{}) for WebGPU
	model, _ := graph.NewResNet9(b, 1, 4, 4, 0.2)
	model.InitPyTorch(b, rand.New(rand.NewPCG(1, 2)))

	split := func(n int) *datasets.Split {
		s := &datasets.Split{C: 1, H: 28, W: 28, Images: make([]uint8, n*784), Labels: make([]int32, n)}
		for i := range n {
			s.Labels[i] = int32(i % 4)
			for j := 0; j < 784; j++ {
				if j/196 == i%4 {
					s.Images[i*784+j] = 200
				}
			}
		}
		return s
	}
	tf := datasets.Transform{Mean: []float32{0.25}, Std: []float32{0.4}, PadTo: 32}
	train, _ := datasets.NewLoader(split(64), datasets.LoaderOptions{BatchSize: 16, Shuffle: true, Seed: 1, Transform: tf})
	valid, _ := datasets.NewLoader(split(32), datasets.LoaderOptions{BatchSize: 16, Transform: tf})

	logdir, _ := os.MkdirTemp("", "wgtrain-example")
	defer os.RemoveAll(logdir)
	res, err := trainer.Run(context.Background(), trainer.Config{
		Model: model, Criteria: []graph.Criterion{graph.CrossEntropy{}},
		LR: 1e-2, Epochs: 2,
		Train: train, Eval: []trainer.Named{{Name: "valid", Loader: valid}},
		Valid: "valid", ValidMetric: "accuracy01",
		Predict: []trainer.Named{{Name: "valid", Loader: valid}},
		LogDir:  logdir, Seed: 42, LoadBestOnEnd: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("best epoch %d, valid accuracy %.2f\n", res.BestEpoch, res.BestMetric)
	// Output: best epoch 2, valid accuracy 1.00
}
