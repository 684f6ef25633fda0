package ops

import (
	"fmt"
	"runtime"
	"sync"
)

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
// tensor of the same type and size when there is one.
func (c *CPU) Alloc(dtype DType, shape Shape) (*Tensor, error) {
	if !shape.Valid() {
		return nil, errf("alloc", "shape %s has a non-positive extent", shape)
	}
	n := shape.Numel()
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
func (c *CPU) Upload(t *Tensor, data []float32) error {
	if err := need("upload", "t", t, F32, -1); err != nil {
		return err
	}
	if err := c.own("upload", "t", t); err != nil {
		return err
	}
	if len(data) != t.Numel() {
		return errf("upload", "%d values for %s", len(data), t)
	}
	copy(f32(t), data)
	return nil
}

// UploadInt copies data into an I32 tensor.
func (c *CPU) UploadInt(t *Tensor, data []int32) error {
	if err := need("upload", "t", t, I32, -1); err != nil {
		return err
	}
	if err := c.own("upload", "t", t); err != nil {
		return err
	}
	if len(data) != t.Numel() {
		return errf("upload", "%d values for %s", len(data), t)
	}
	copy(i32(t), data)
	return nil
}

// Download returns a copy of an F32 tensor's values.
func (c *CPU) Download(t *Tensor) ([]float32, error) {
	if err := need("download", "t", t, F32, -1); err != nil {
		return nil, err
	}
	if err := c.own("download", "t", t); err != nil {
		return nil, err
	}
	return append([]float32(nil), f32(t)...), nil
}

// DownloadInt returns a copy of an I32 tensor's values.
func (c *CPU) DownloadInt(t *Tensor) ([]int32, error) {
	if err := need("download", "t", t, I32, -1); err != nil {
		return nil, err
	}
	if err := c.own("download", "t", t); err != nil {
		return nil, err
	}
	return append([]int32(nil), i32(t)...), nil
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
		n := t.Numel()
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
