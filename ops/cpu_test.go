package ops

import (
	"math"
	randv1 "math/rand"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The helpers below are shared by the CPU backend's tests in package ops.

// dataOf returns the address of a CPU tensor's first element, to tell
// whether two tensors share storage.
func dataOf(t *Tensor) unsafe.Pointer {
	switch s := t.Storage().(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(s))
	case []int32:
		return unsafe.Pointer(unsafe.SliceData(s))
	}
	return nil
}

// mustAlloc allocates a tensor on c or fails the test.
func mustAlloc(t *testing.T, c *CPU, dt DType, shape Shape) *Tensor {
	t.Helper()
	x, err := c.Alloc(dt, shape)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// upload copies v into x or fails the test.
func upload(t *testing.T, c *CPU, x *Tensor, v []float32) {
	t.Helper()
	if err := c.Upload(x, v); err != nil {
		t.Fatal(err)
	}
}

// download returns x's values or fails the test.
func download(t *testing.T, c *CPU, x *Tensor) []float32 {
	t.Helper()
	v, err := c.Download(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// kernels lists the micro-kernels this machine can run; withKernel selects
// one (setKernel) for the rest of a test or benchmark.
func kernels(t testing.TB) []int {
	t.Helper()
	return availableKernels()
}

func withKernel(t testing.TB, k int) {
	t.Helper()
	old := kernel
	setKernel(k)
	t.Cleanup(func() { setKernel(old) })
}

// specials are the float32 values whose ReLU handling is easy to get
// wrong, mixed into random data.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0xffc00000), // NaN with the sign bit
	math.Float32frombits(1), math.Float32frombits(0x80000001), // denormals
	math.MaxFloat32, -math.MaxFloat32,
}

// specialData returns n normally distributed values, about a quarter
// of them replaced by specials.
func specialData(rng *randv1.Rand, n int) []float32 {
	return withSpecials(n, rng.Intn, func() float32 { return float32(rng.NormFloat64()) })
}

// randomBits returns n float32s of uniformly random bits (NaNs with any
// payload and sign, infinities, denormals, signed zeros included) mixed
// with the specials.
func randomBits(rng *rand.Rand, n int) []float32 {
	return withSpecials(n, rng.IntN, func() float32 { return math.Float32frombits(rng.Uint32()) })
}

// withSpecials returns n values: where intn(4) is 0 one of the specials
// (the next intn picks which), elsewhere next().
func withSpecials(n int, intn func(int) int, next func() float32) []float32 {
	d := make([]float32, n)
	for i := range d {
		if intn(4) == 0 {
			d[i] = specials[intn(len(specials))]
		} else {
			d[i] = next()
		}
	}
	return d
}

// randSlice returns n values drawn uniformly from [-1, 1).
func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}
