package ops

import "golang.org/x/sys/cpu"

// The processor features the amd64 assembly kernels need, read once at
// start-up. The list of those kernels and of their Go twins is in cpu.go.
var (
	haveAVX2    = cpu.X86.HasAVX2    // ReLU, the batch-norm affine map, 2x2 max pooling, addF32
	haveFMA     = cpu.X86.HasFMA     // with AVX2, the avx2 GEMM micro-kernel
	haveAVX512F = cpu.X86.HasAVX512F // the avx512 GEMM micro-kernel
)

// simdElem reports whether the vector kernels other than the GEMM's run:
// on CPUs with AVX2, unless the tests selected the portable GEMM kernel
// (kernGo), which makes the whole backend portable Go.
func simdElem() bool { return haveAVX2 && kernel != kernGo }
