package ops

import (
	"math/rand"
	"testing"
)

// allocCase is one call of a CPU operation on tensors that already exist.
type allocCase struct {
	name string
	f    func() error
}

// cpuAllocCases builds, on c, resnet9-sized tensors (batch 32, 16 to 128
// channels, 32x32 and 16x16 images) whose work every parallel operation
// splits between at least two workers, and returns one call of every
// work-doing method of *CPU on them.
func cpuAllocCases(t *testing.T, c *CPU) []allocCase {
	rng := rand.New(rand.NewSource(9))
	rnd := func(s ...int) *Tensor {
		x := mustAlloc(t, c, F32, Shape(s))
		d := f32(x)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		return x
	}
	const n, ci, co, hw, k = 32, 16, 32, 32, 10
	// Convolutions: 16 -> 32 channels at 32x32, same padding (the fast
	// im2col paths), and 32 -> 32 with stride 2 (the general ones).
	x, w, b, y := rnd(n, ci, hw, hw), rnd(co, ci, 3, 3), rnd(co), rnd(n, co, hw, hw)
	dx, dw, db := rnd(n, ci, hw, hw), rnd(co, ci, 3, 3), rnd(co)
	same := ConvSpec{Stride: 1, Padding: 1}
	w2, y2, dw2 := rnd(co, co, 3, 3), rnd(n, co, hw/2, hw/2), rnd(co, co, 3, 3)
	dy2 := rnd(n, co, hw, hw)
	strided := ConvSpec{Stride: 2, Padding: 1}
	// Batch norm, element-wise operations and pooling on 32x32x32x32.
	dy, z := rnd(n, co, hw, hw), rnd(n, co, hw, hw)
	vec := func() *Tensor { return rnd(co) }
	mean, inv, gamma, beta, rm, dg, dbeta := vec(), vec(), vec(), vec(), vec(), vec(), vec()
	rv := mustAlloc(t, c, F32, Shape{co})
	if err := c.Fill(rv, 1); err != nil {
		t.Fatal(err)
	}
	py, pdy := rnd(n, co, hw/2, hw/2), rnd(n, co, hw/2, hw/2)
	py3, pdy3 := rnd(n, co, hw/3, hw/3), rnd(n, co, hw/3, hw/3)
	// The head: 32 x 256 features into 10 classes.
	const feat = 256
	fx, fw, fb, logits := rnd(n, feat), rnd(k, feat), rnd(k), rnd(n, k)
	fdx, fdw, fdb, dlogits := rnd(n, feat), rnd(k, feat), rnd(k), rnd(n, k)
	labels := mustAlloc(t, c, I32, Shape{n})
	lv := make([]int32, n)
	for i := range lv {
		lv[i] = int32(i % k)
	}
	if err := c.UploadInt(labels, lv); err != nil {
		t.Fatal(err)
	}
	loss, loss2, dloss, total := rnd(1), rnd(1), rnd(1), rnd(1)
	pred := mustAlloc(t, c, I32, Shape{n})
	losses, weights := []*Tensor{loss, loss2}, []float32{0.5, 0.5}
	// Adam on a 128x128x3x3 weight, with and without a guard.
	p, g, m, v := rnd(128, 128, 3, 3), rnd(128, 128, 3, 3), rnd(128, 128, 3, 3), mustAlloc(t, c, F32, Shape{128, 128, 3, 3})
	guard := rnd(1)
	host := make([]float32, x.Numel())
	drop := DropoutSpec{P: 0.2, Seed: 3, Step: 4}
	bn := DefaultBatchNorm
	return []allocCase{
		{"Sync", c.Sync},
		{"Upload", func() error { return c.Upload(x, host) }},
		{"UploadInt", func() error { return c.UploadInt(labels, lv) }},
		{"Fill", func() error { return c.Fill(dx, 0.5) }},
		{"Fill0", func() error { return c.Fill(dx, 0) }},
		{"Copy", func() error { return c.Copy(y, dy) }},
		{"Add", func() error { return c.Add(y, dy, z) }},
		{"Scale", func() error { return c.Scale(y, dy, 0.5) }},
		{"ReLU", func() error { return c.ReLU(y, dy) }},
		{"ReLUBackward", func() error { return c.ReLUBackward(dx, x, dx) }},
		{"Dropout", func() error { return c.Dropout(y, dy, drop) }},
		{"DropoutBackward", func() error { return c.DropoutBackward(y, dy, drop) }},
		{"Conv2D", func() error { return c.Conv2D(y, x, w, b, same) }},
		{"Conv2DNoBias", func() error { return c.Conv2D(y, x, w, nil, same) }},
		{"Conv2DStrided", func() error { return c.Conv2D(y2, dy2, w2, b, strided) }},
		{"Conv2DBackwardData", func() error { return c.Conv2DBackwardData(dx, dy, w, same) }},
		{"Conv2DBackwardDataStrided", func() error { return c.Conv2DBackwardData(dy2, y2, w2, strided) }},
		{"Conv2DBackwardFilter", func() error { return c.Conv2DBackwardFilter(dw, db, x, dy, same) }},
		{"Conv2DBackwardFilterNoBias", func() error { return c.Conv2DBackwardFilter(dw, nil, x, dy, same) }},
		{"Conv2DBackwardFilterStrided", func() error { return c.Conv2DBackwardFilter(dw2, db, dy2, y2, strided) }},
		{"BatchNormTrain", func() error { return c.BatchNormTrain(y, mean, inv, dy, gamma, beta, rm, rv, bn) }},
		{"BatchNormEval", func() error { return c.BatchNormEval(y, dy, gamma, beta, rm, rv, bn) }},
		{"BatchNormBackward", func() error { return c.BatchNormBackward(z, dg, dbeta, dy, y, mean, inv, gamma) }},
		{"MaxPool2D", func() error { return c.MaxPool2D(py, dy, 2) }},
		{"MaxPool2DBackward", func() error { return c.MaxPool2DBackward(y, dy, pdy, 2) }},
		{"MaxPool2D3", func() error { return c.MaxPool2D(py3, dy, 3) }},
		{"MaxPool2DBackward3", func() error { return c.MaxPool2DBackward(y, dy, pdy3, 3) }},
		{"Linear", func() error { return c.Linear(logits, fx, fw, fb) }},
		{"LinearNoBias", func() error { return c.Linear(logits, fx, fw, nil) }},
		{"LinearBackward", func() error { return c.LinearBackward(fdx, fdw, fdb, fx, fw, logits) }},
		{"LinearBackwardNoDx", func() error { return c.LinearBackward(nil, fdw, nil, fx, fw, logits) }},
		{"CrossEntropy", func() error { return c.CrossEntropy(loss, logits, labels, CrossEntropySpec{Smoothing: 0.1}) }},
		{"CrossEntropyBackward", func() error {
			return c.CrossEntropyBackward(dlogits, logits, labels, dloss, CrossEntropySpec{Smoothing: 0.1})
		}},
		{"SigmoidFocal", func() error { return c.SigmoidFocal(loss2, logits, labels, DefaultFocal) }},
		{"SigmoidFocalBackward", func() error {
			return c.SigmoidFocalBackward(dlogits, logits, labels, dloss, DefaultFocal)
		}},
		{"WeightedSum", func() error { return c.WeightedSum(total, losses, weights) }},
		{"Adam", func() error { return c.Adam(p, g, m, v, DefaultAdam(1e-3, 3)) }},
		{"AdamGuarded", func() error {
			s := DefaultAdam(1e-3, 3)
			s.Guard = guard
			return c.Adam(p, g, m, v, s)
		}},
		{"Argmax", func() error { return c.Argmax(pred, logits) }},
	}
}

// TestCPUOpsDoNotAllocate requires every work-doing method of *CPU to make
// no heap allocation once its tensors exist, with two workers and shapes
// whose work is split between them.
func TestCPUOpsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("resnet9-sized tensors")
	}
	c := &CPU{workers: 2}
	cases := cpuAllocCases(t, c)
	// Warm up twice: the first round fills the scratch free lists and
	// starts the workers, the second lets the free lists settle when two
	// workers asked for differently sized scratch in either order.
	for range 2 {
		for _, tc := range cases {
			if err := tc.f(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
	}
	for _, tc := range cases {
		var err error
		allocs := testing.AllocsPerRun(10, func() {
			if e := tc.f(); e != nil {
				err = e
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocations a call, want 0", tc.name, allocs)
		}
	}
}

// TestCPUAllocCasesSplit checks that the shapes of TestCPUOpsDoNotAllocate
// really split the work of each splitting policy between both workers,
// and that the pool ran chunks.
func TestCPUAllocCasesSplit(t *testing.T) {
	c := &CPU{workers: 2}
	const n, co, hw = 32, 32, 32
	for _, tc := range []struct {
		name         string
		chunk, items int
	}{
		{"element-wise", c.elemChunk(n * co * hw * hw), n * co * hw * hw},
		{"Adam", c.elemChunk(128 * 128 * 9), 128 * 128 * 9},
		{"images", c.perWorker(n), n},
		{"dw panels", c.perWorker((16*9 + gemmNR - 1) / gemmNR), (16*9 + gemmNR - 1) / gemmNR},
		{"batch-norm planes", c.planeChunk(n*co, hw*hw), n * co},
		{"pooling planes", c.perWorker(n * co), n * co},
		{"linear rows", c.perWorker(n), n},
	} {
		if tc.chunk >= tc.items {
			t.Errorf("%s: one chunk of %d items, want two", tc.name, tc.items)
		}
	}
	x := mustAlloc(t, c, F32, Shape{n, co, hw, hw})
	if err := c.Fill(x, 1); err != nil {
		t.Fatal(err)
	}
	if workerPool.started.Load() < 1 {
		t.Error("no pool worker started")
	}
}
