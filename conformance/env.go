package conformance

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/wgtrain/wgtrain/ops"
)

// env holds what one test case needs: its TB, the backend, a seeded
// random generator and the tensors it allocated, freed by close.
type env struct {
	t     TB
	b     ops.Backend
	rng   *rand.Rand
	owned []*ops.Tensor
}

// newEnv starts a case whose random inputs are seeded from its name, so a
// case draws the same inputs however the suite is filtered.
func newEnv(t TB, b ops.Backend, name string) *env {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &env{t: t, b: b, rng: rand.New(rand.NewPCG(0x5eed_c0f_fee, h.Sum64()))}
}

// under makes the env report to t, the TB of a subtest, until the
// returned function is called.
func (e *env) under(t TB) (restore func()) {
	saved := e.t
	e.t = t
	return func() { e.t = saved }
}

// close frees every tensor the case allocated.
func (e *env) close() {
	for _, x := range e.owned {
		e.b.Free(x)
	}
	e.owned = nil
}

// alloc returns a zero-filled tensor or stops the case.
func (e *env) alloc(dt ops.DType, shape ops.Shape) *ops.Tensor {
	e.t.Helper()
	x, err := e.b.Alloc(dt, shape)
	if err != nil {
		e.t.Fatalf("Alloc(%v, %v): %v", dt, shape, err)
	}
	if x == nil {
		e.t.Fatalf("Alloc(%v, %v) returned a nil tensor and no error", dt, shape)
	}
	if !x.Shape().Equal(shape) || x.DType() != dt {
		e.t.Fatalf("Alloc(%v, %v) returned %v", dt, shape, x)
	}
	e.owned = append(e.owned, x)
	return x
}

// zeros returns a zero-filled F32 tensor.
func (e *env) zeros(shape ...int) *ops.Tensor {
	e.t.Helper()
	return e.alloc(ops.F32, ops.Shape(shape))
}

// tensor returns an F32 tensor holding data.
func (e *env) tensor(shape ops.Shape, data []float32) *ops.Tensor {
	e.t.Helper()
	x := e.alloc(ops.F32, shape)
	e.set(x, data)
	return x
}

// labels returns an I32 [len(data)] tensor holding data.
func (e *env) labels(data []int32) *ops.Tensor {
	e.t.Helper()
	x := e.alloc(ops.I32, ops.Shape{len(data)})
	if err := e.b.UploadInt(x, data); err != nil {
		e.t.Fatalf("UploadInt(%v): %v", x, err)
	}
	return x
}

// junk returns an F32 tensor filled with large random values, for
// outputs: an operation that skips or accumulates into an element then
// leaves a value far from the right one.
func (e *env) junk(shape ...int) *ops.Tensor {
	e.t.Helper()
	s := ops.Shape(shape)
	return e.tensor(s, e.uniform(s.Numel(), 100, 1000))
}

// set uploads data into x or stops the case.
func (e *env) set(x *ops.Tensor, data []float32) {
	e.t.Helper()
	if err := e.b.Upload(x, data); err != nil {
		e.t.Fatalf("Upload(%v): %v", x, err)
	}
}

// get downloads x or stops the case.
func (e *env) get(x *ops.Tensor) []float32 {
	e.t.Helper()
	return download(e, x, "Download", e.b.Download)
}

// getInt downloads an I32 tensor or stops the case.
func (e *env) getInt(x *ops.Tensor) []int32 {
	e.t.Helper()
	return download(e, x, "DownloadInt", e.b.DownloadInt)
}

// download returns the values of x that the backend method named name
// downloads, or stops the case.
func download[T any](e *env, x *ops.Tensor, name string, get func(*ops.Tensor) ([]T, error)) []T {
	e.t.Helper()
	d, err := get(x)
	if err != nil {
		e.t.Fatalf("%s(%v): %v", name, x, err)
	}
	if len(d) != x.Numel() {
		e.t.Fatalf("%s(%v) returned %d elements", name, x, len(d))
	}
	return d
}

// ok stops the case when err, returned by the operation described by
// what, is not nil: the operation's outputs would be meaningless.
func (e *env) ok(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// uniform returns n values uniform in [lo, hi).
func (e *env) uniform(n int, lo, hi float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(lo + (hi-lo)*e.rng.Float64())
	}
	return d
}

// awayFromZero returns n values uniform in ±[gap, hi), never nearer zero
// than gap.
func (e *env) awayFromZero(n int, gap, hi float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		v := gap + (hi-gap)*e.rng.Float64()
		if e.rng.IntN(2) == 0 {
			v = -v
		}
		d[i] = float32(v)
	}
	return d
}

// classes returns n labels uniform in [0, c).
func (e *env) classes(n, c int) []int32 {
	d := make([]int32, n)
	for i := range d {
		d[i] = int32(e.rng.IntN(c))
	}
	return d
}

// f64 widens a float32 slice; nil stays nil.
func f64(x []float32) []float64 {
	if x == nil {
		return nil
	}
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return d
}

// f32 narrows a float64 slice.
func f32(x []float64) []float32 {
	d := make([]float32, len(x))
	for i, v := range x {
		d[i] = float32(v)
	}
	return d
}

// dot returns sum_i a_i*b_i accumulated in float64.
func dot(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// finite reports the index of the first NaN or infinity in x, or -1.
func finite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}
