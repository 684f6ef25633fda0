package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// CrossEntropy{Smoothing} smooths both the loss and the gradient that
// reaches the layer below: the loss of a linear layer's logits and its
// bias gradient (the column sums of dlogits) match a float64 reference of
// nn.CrossEntropyLoss(label_smoothing=0.2).
func TestCrossEntropySmoothing(t *testing.T) {
	const n, in, k, eps = 4, 3, 5, 0.2
	b := ops.NewCPU()
	lin, err := graph.NewLinear(b, "fc", in, k)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]float32, n*in)
	for i := range xs {
		xs[i] = float32(2 * rng.NormFloat64())
	}
	labels := []int32{1, 4, 0, 1}
	x, _ := b.Alloc(ops.F32, ops.Shape{n, in})
	b.Upload(x, xs)
	y, _ := b.Alloc(ops.I32, ops.Shape{n})
	b.UploadInt(y, labels)

	c := graph.NewContext(b, true)
	logits, err := lin.Forward(c, c.Input(x))
	if err != nil {
		t.Fatal(err)
	}
	loss, err := graph.CrossEntropy{Smoothing: eps}.Loss(c, logits, c.Input(y))
	if err != nil {
		t.Fatal(err)
	}
	z, _ := b.Download(logits.Value)
	got, _ := b.Download(loss.Value)
	if err := c.Backward(loss); err != nil {
		t.Fatal(err)
	}
	db, _ := b.Download(lin.Bias.Grad)
	c.Release()

	want, wantDB := 0.0, make([]float64, k)
	for r := 0; r < n; r++ {
		row := z[r*k : (r+1)*k]
		lse := 0.0
		for _, v := range row {
			lse += math.Exp(float64(v))
		}
		lse = math.Log(lse)
		for j, v := range row {
			target := eps / k
			if int32(j) == labels[r] {
				target += 1 - eps
			}
			want -= target * (float64(v) - lse) / n
			wantDB[j] += (math.Exp(float64(v)-lse) - target) / n
		}
	}
	if math.Abs(float64(got[0])-want) > 1e-5*math.Abs(want) {
		t.Errorf("loss %.7g, want %.7g", got[0], want)
	}
	for j := range wantDB {
		if math.Abs(float64(db[j])-wantDB[j]) > 1e-6 {
			t.Errorf("bias gradient[%d] %.7g, want %.7g", j, db[j], wantDB[j])
		}
	}
}
