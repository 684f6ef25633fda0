package ops

import (
	"math/rand"
	"testing"
)

// BenchmarkCPUNonGEMM times the CPU backend's element-wise, batch-norm
// and pooling kernels on a resnet9-sized activation (32x64x32x32).
func BenchmarkCPUNonGEMM(b *testing.B) {
	c := NewCPU()
	sh := Shape{32, 64, 32, 32}
	ps := Shape{32, 64, 16, 16}
	alloc := func(s Shape) *Tensor {
		t, err := c.Alloc(F32, s)
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	rng := rand.New(rand.NewSource(1))
	rnd := func(s Shape) *Tensor {
		t := alloc(s)
		d := f32(t)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		return t
	}
	x, dy, pdy := rnd(sh), rnd(sh), rnd(ps)
	y, dx, py := alloc(sh), alloc(sh), alloc(ps)
	vec := func() *Tensor { return alloc(Shape{sh[1]}) }
	mean, inv, gamma, beta, rm, rv, dg, db := vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
	bytes := int64(4 * sh.Numel())
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("ReLU", func() error { return c.ReLU(y, x) })
	run("ReLUBackward", func() error { return c.ReLUBackward(dx, x, dy) })
	run("BatchNormTrain", func() error { return c.BatchNormTrain(y, mean, inv, x, gamma, beta, rm, rv, DefaultBatchNorm) })
	run("BatchNormEval", func() error { return c.BatchNormEval(y, x, gamma, beta, rm, rv, DefaultBatchNorm) })
	run("BatchNormBackward", func() error { return c.BatchNormBackward(dx, dg, db, x, dy, mean, inv, gamma) })
	run("MaxPool2D", func() error { return c.MaxPool2D(py, x, 2) })
	run("MaxPool2DBackward", func() error { return c.MaxPool2DBackward(dx, x, pdy, 2) })
	run("Alloc+Free", func() error {
		t, err := c.Alloc(F32, sh)
		c.Free(t)
		return err
	})
}
