package ops

import (
	"fmt"
	"runtime"
	"sync"
)

// The CPU backend is this file (the type, memory and ownership checks),
// cpu_<op>.go for each operation (its methods, the parallel jobs that
// cpu_workers.go runs, and its kernels in plain Go), cpu_pool.go (the
// tensor memory pool), cpu_memory.go (the largest tensor Alloc grants)
// and cpu_scratch.go (the scratch free lists).
//
// Fast paths. On amd64 some kernels also exist in assembly:
// cpu_<op>_amd64.s holds them, and cpu_<op>_amd64.go declares them and
// holds the Go that chooses between them and their plain-Go twins, from
// the processor features read in cpu_amd64.go. On every other
// architecture cpu_<op>_other.go (build constraint !amd64) makes the
// plain Go run. Each assembly function, the Go function that calls it,
// its plain-Go twin and when it runs:
//
//	assembly        file                     called by    plain-Go twin           runs with
//	kern8x16AVX512  cpu_gemm_amd64.s         microKernel  kern6x16Go              AVX-512F
//	kern6x16AVX2    cpu_gemm_amd64.s         microKernel  kern6x16Go              AVX2 and FMA, no AVX-512F
//	reluAVX2        cpu_relu_amd64.s         reluVec      the loop of reluF32     AVX2
//	reluBackAVX2    cpu_relu_amd64.s         reluBackVec  the loop of reluBackF32 AVX2
//	affineAVX2      cpu_batchnorm_amd64.s    affineVec    the loop of affineF32   AVX2
//	maxPool2AVX2    cpu_maxpool_amd64.s      maxPool2Vec  maxPool2Row             AVX2, see below
//	addF32AVX2      cpu_elementwise_amd64.s  addF32       addF32Go                AVX2
//
// The twins live in the operation's cpu_<op>.go. bestKernel picks the
// GEMM micro-kernel once, at start-up (kernel; the tests change it with
// setKernel); the other functions are chosen on each call through
// simdElem: with AVX2, unless the tests selected kernGo, which makes the
// whole backend plain Go. reluVec, reluBackVec and affineVec handle a
// prefix of their slices whose length is a multiple of their vector width
// and leave the rest to the Go loop of their caller. maxPool2Vec pools
// all planes of a chunk at once when their width suits it and they hold
// no NaN; otherwise maxPool2Plane pools them row by row with maxPool2Row
// (and windowArgmax for a row with a NaN). Each pair gives the same bits
// (the tests check it), except the GEMM micro-kernels: FMA rounds a*b+c
// once where kern6x16Go rounds twice, so their products agree to float32
// rounding only; Describe names the one in use.

// CPU is the reference backend: float32 storage, float64 accumulation in
// the reductions (batch norm statistics, bias gradients, losses), float32
// accumulation in the matrix products (blocked, with AVX-512 or AVX2+FMA
// micro-kernels where the processor has them and plain Go elsewhere), all
// cores used, and results that do not depend on the number of cores
// (every output element is summed in one fixed order). Its storage is a
// []float32 or []int32, pooled: Free hands a tensor's storage to the next
// Alloc of the same size.
type CPU struct {
	workers int
	pool    cpuPool

	// dispatchMu serializes dispatch calls; it guards jobs and running.
	dispatchMu sync.Mutex
	jobs       cpuJobs        // the job of each parallel loop while it runs
	running    sync.WaitGroup // the chunks of the running job on the pool
}

// CPU implements Backend.
var _ Backend = (*CPU)(nil)

// NewCPU returns the CPU reference backend using every core GOMAXPROCS allows.
func NewCPU() *CPU { return &CPU{workers: runtime.GOMAXPROCS(0)} }

// Name returns "cpu".
func (c *CPU) Name() string { return "cpu" }

// Describe says how the backend computes: its worker count and the
// matrix micro-kernel in use, such as "2 workers, avx512 GEMM" ("go"
// where only portable Go runs).
func (c *CPU) Describe() string {
	return fmt.Sprintf("%d workers, %s GEMM", c.workers, kernelNames[kernel])
}

// Alloc returns a zero-filled tensor, reusing the storage of a freed
// tensor of the same type and size when there is one. It returns an
// *Error for a shape with an extent below 1, one whose element count
// overflows an int, and one larger than the machine's memory
// (cpu_memory.go), so that an impossible size is an error rather than a
// crash of the Go runtime.
func (c *CPU) Alloc(dtype DType, shape Shape) (*Tensor, error) {
	if !shape.Valid() {
		return nil, errf("alloc", "shape %s has a non-positive extent", shape)
	}
	n, why := shape.numel()
	if why != "" {
		return nil, errf("alloc", "%s%s %s", dtype, shape, why)
	}
	if limit := cpuMemoryLimit(); uint64(n) > limit/4 {
		return nil, errf("alloc", "%s%s needs %d bytes, more than the %d bytes of memory of this machine", dtype, shape, 4*uint64(n), limit)
	}
	var t *Tensor
	switch dtype {
	case F32:
		s, ok := c.pool.take(F32, n).([]float32)
		if ok {
			c.clearF32(s)
		} else {
			s = make([]float32, n)
		}
		t = NewTensor(c, F32, shape, s)
	case I32:
		s, ok := c.pool.take(I32, n).([]int32)
		if ok {
			clear(s)
		} else {
			s = make([]int32, n)
		}
		t = NewTensor(c, I32, shape, s)
	default:
		return nil, errf("alloc", "unknown %s", dtype)
	}
	c.pool.track(t)
	return t, nil
}

// Free hands t's storage back to the backend for a later Alloc of the
// same type and size. t must not be used afterwards. Freeing a view made
// by Reshape, a tensor of another backend, or a tensor a second time does
// nothing; a tensor that is never freed is reclaimed by the garbage
// collector.
func (c *CPU) Free(t *Tensor) {
	if t == nil || t.owner != Backend(c) {
		return
	}
	c.pool.give(t)
}

// Sync has nothing to wait for: the CPU backend runs every operation
// before it returns.
func (c *CPU) Sync() error { return nil }

// Upload copies data into an F32 tensor.
func (c *CPU) Upload(t *Tensor, data []float32) error { return uploadTo(c, t, F32, data) }

// UploadInt copies data into an I32 tensor.
func (c *CPU) UploadInt(t *Tensor, data []int32) error { return uploadTo(c, t, I32, data) }

// Download returns a copy of an F32 tensor's values.
func (c *CPU) Download(t *Tensor) ([]float32, error) { return downloadFrom[float32](c, t, F32) }

// DownloadInt returns a copy of an I32 tensor's values.
func (c *CPU) DownloadInt(t *Tensor) ([]int32, error) { return downloadFrom[int32](c, t, I32) }

// uploadTo checks that t is a tensor of c of type dt (whose Go type is T)
// with len(data) elements, and copies data into it.
func uploadTo[T float32 | int32](c *CPU, t *Tensor, dt DType, data []T) error {
	const op = "upload"
	if err := need(op, "t", t, dt, -1); err != nil {
		return err
	}
	if err := c.own(op, "t", t); err != nil {
		return err
	}
	if len(data) != t.Numel() {
		return errf(op, "%d values for %s", len(data), t)
	}
	copy(t.storage.([]T)[:t.Numel()], data)
	return nil
}

// downloadFrom checks that t is a tensor of c of type dt (whose Go type
// is T) and returns a copy of its values.
func downloadFrom[T float32 | int32](c *CPU, t *Tensor, dt DType) ([]T, error) {
	const op = "download"
	if err := need(op, "t", t, dt, -1); err != nil {
		return nil, err
	}
	if err := c.own(op, "t", t); err != nil {
		return nil, err
	}
	return append([]T(nil), t.storage.([]T)[:t.Numel()]...), nil
}

// own checks that t is not nil and was allocated by this backend.
func (c *CPU) own(op, name string, t *Tensor) error {
	if t == nil {
		return nilErr(op, name)
	}
	if t.owner != Backend(c) {
		return errf(op, "%s %s belongs to another backend", name, t)
	}
	return nil
}

// mine checks that every non-nil tensor was allocated by this backend and
// that its storage is intact, so that a foreign or hand-made tensor gets
// an error instead of a panic. Nil tensors are left to the shape checks.
func (c *CPU) mine(op string, ts ...*Tensor) error {
	for _, t := range ts {
		if t == nil {
			continue
		}
		if t.owner != Backend(c) {
			return errf(op, "%s belongs to another backend", t)
		}
		n, why := t.shape.numel()
		if why != "" {
			return errf(op, "%s %s", t, why)
		}
		switch t.dtype {
		case F32:
			if s, ok := t.storage.([]float32); !ok || len(s) < n {
				return errf(op, "%s has no f32 storage of %d elements", t, n)
			}
		case I32:
			if s, ok := t.storage.([]int32); !ok || len(s) < n {
				return errf(op, "%s has no i32 storage of %d elements", t, n)
			}
		default:
			return errf(op, "%s has an unknown dtype", t)
		}
	}
	return nil
}

// f32 returns the float32 storage of a CPU tensor, limited to its numel
// (a view may be shorter than its storage).
func f32(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.storage.([]float32)[:t.Numel()]
}

// i32 returns the int32 storage of a CPU tensor, limited to its numel.
func i32(t *Tensor) []int32 { return t.storage.([]int32)[:t.Numel()] }
