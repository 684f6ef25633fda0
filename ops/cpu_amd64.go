package ops

import "golang.org/x/sys/cpu"

var haveAVX2 = cpu.X86.HasAVX2

// simdElem reports whether the vector kernels run: on CPUs with AVX2,
// unless the tests selected the portable GEMM kernel (kernGo), which
// makes the whole backend portable Go.
func simdElem() bool { return haveAVX2 && kernel != kernGo }
