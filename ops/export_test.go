package ops

import (
	"math/rand/v2"
	"testing"
)

// Hooks for the external tests (package ops_test), which compare the CPU
// backend with the float64 references of package conformance; conformance
// imports ops, so those tests cannot live in package ops itself.

// GEMMKernels lists the GEMM micro-kernels this machine can run.
func GEMMKernels() []int { return availableKernels() }

// GEMMKernelName names a micro-kernel of GEMMKernels ("go", "avx2", "avx512").
func GEMMKernelName(k int) string { return kernelNames[k] }

// UseGEMMKernel selects micro-kernel k for the rest of a test.
func UseGEMMKernel(t testing.TB, k int) { withKernel(t, k) }

// NewCPUWorkers returns a CPU backend that splits its loops over n workers.
func NewCPUWorkers(n int) *CPU { return &CPU{workers: n} }

// RandSlice returns n values drawn uniformly from [-1, 1), as the tests
// in package ops draw them.
func RandSlice(rng *rand.Rand, n int) []float32 { return randSlice(rng, n) }

// SetCPUMemoryLimit makes the CPU backend refuse tensors over n bytes for
// the rest of a test, as it refuses those over the machine's memory.
func SetCPUMemoryLimit(t testing.TB, n uint64) {
	old := cpuMemoryLimit
	cpuMemoryLimit = func() uint64 { return n }
	t.Cleanup(func() { cpuMemoryLimit = old })
}

// CPUMemoryLimit returns the most bytes one CPU tensor may take.
func CPUMemoryLimit() uint64 { return cpuMemoryLimit() }
