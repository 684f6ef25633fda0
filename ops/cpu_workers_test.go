package ops

import (
	"math"
	"math/rand"
	"testing"
)

// TestCPUResultsIndependentOfWorkers runs the element-wise, batch-norm,
// pooling, dropout and Adam kernels with 1, 3 and 8 workers and requires
// bit-identical results.
func TestCPUResultsIndependentOfWorkers(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	sh := Shape{6, 5, 36, 36} // 38880 values: several chunks and planes per worker
	ch := sh[1]
	xv := make([]float32, sh.Numel())
	for i := range xv {
		xv[i] = float32(rng.NormFloat64()*3 + 1)
	}
	dyv := make([]float32, sh.Numel())
	for i := range dyv {
		dyv[i] = float32(rng.NormFloat64())
	}
	run := func(workers int) [][]float32 {
		c := &CPU{workers: workers}
		x, dy := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		y, dx := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		vec := func() *Tensor { return mustAlloc(t, c, F32, Shape{ch}) }
		mean, inv, gamma, beta, rm, rv, dg, db := vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
		upload(t, c, gamma, []float32{1, 0.5, 2, -1, 1.5})
		upload(t, c, beta, []float32{0, 1, -1, 0.25, 3})
		if err := c.Fill(rv, 1); err != nil {
			t.Fatal(err)
		}
		var out [][]float32
		keep := func(ts ...*Tensor) {
			for _, t2 := range ts {
				out = append(out, download(t, c, t2))
			}
		}
		check := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		check(c.BatchNormTrain(y, mean, inv, x, gamma, beta, rm, rv, DefaultBatchNorm))
		keep(y, mean, inv, rm, rv)
		check(c.BatchNormBackward(dx, dg, db, x, dy, mean, inv, gamma))
		keep(dx, dg, db)
		check(c.BatchNormEval(y, x, gamma, beta, rm, rv, DefaultBatchNorm))
		keep(y)
		check(c.ReLU(y, x))
		check(c.ReLUBackward(dx, y, dy))
		keep(y, dx)
		check(c.Add(y, x, dy))
		keep(y)
		check(c.Scale(y, x, 0.3))
		keep(y)
		check(c.Dropout(y, x, DropoutSpec{P: 0.3, Seed: 5, Step: 7}))
		keep(y)
		m, v := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
		check(c.Copy(y, x))
		check(c.Adam(y, dy, m, v, DefaultAdam(1e-2, 1)))
		check(c.Adam(y, x, m, v, DefaultAdam(1e-2, 2)))
		keep(y, m, v)
		ps := Shape{sh[0], sh[1], sh[2] / 2, sh[3] / 2}
		py, pdy := mustAlloc(t, c, F32, ps), mustAlloc(t, c, F32, ps)
		upload(t, c, pdy, dyv[:ps.Numel()])
		check(c.MaxPool2D(py, x, 2))
		check(c.MaxPool2DBackward(dx, x, pdy, 2))
		keep(py, dx)
		return out
	}
	want := run(1)
	for _, w := range []int{3, 8} {
		got := run(w)
		for i := range want {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%d workers: output %d differs at %d: %v, want %v", w, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
