package ops

import (
	"fmt"
	"math"
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

// Fill sets every element to v.
func (c *CPU) Fill(t *Tensor, v float32) error {
	if err := c.mine("Fill", t); err != nil {
		return err
	}
	if err := need("fill", "t", t, F32, -1); err != nil {
		return err
	}
	d := f32(t)
	dispatch(c, &c.jobs.fill, fillJob{d, v}, len(d), c.elemChunk(len(d)))
	return nil
}

// Copy copies src into dst.
func (c *CPU) Copy(dst, src *Tensor) error {
	if err := c.mine("Copy", dst, src); err != nil {
		return err
	}
	if err := CheckCopy(dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.copy, copyJob{d, f32(src)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Add writes dst = a + b.
func (c *CPU) Add(dst, a, b *Tensor) error {
	if err := c.mine("Add", dst, a, b); err != nil {
		return err
	}
	if err := CheckSame("add", []string{"dst", "a", "b"}, dst, a, b); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.add, addJob{d, f32(a), f32(b)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Scale writes dst = alpha * src.
func (c *CPU) Scale(dst, src *Tensor, alpha float32) error {
	if err := c.mine("Scale", dst, src); err != nil {
		return err
	}
	if err := CheckSame("scale", []string{"dst", "src"}, dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.scale, scaleJob{d, f32(src), alpha}, len(d), c.elemChunk(len(d)))
	return nil
}

// ReLU writes y = max(x, 0); NaN stays NaN, as in PyTorch, so that a
// diverging model reaches the loss as non-finite.
func (c *CPU) ReLU(y, x *Tensor) error {
	if err := c.mine("ReLU", y, x); err != nil {
		return err
	}
	if err := CheckSame("relu", []string{"y", "x"}, y, x); err != nil {
		return err
	}
	out := f32(y)
	dispatch(c, &c.jobs.relu, reluJob{out, f32(x)}, len(out), c.elemChunk(len(out)))
	return nil
}

// ReLUBackward writes dx = dy where y > 0.
func (c *CPU) ReLUBackward(dx, y, dy *Tensor) error {
	if err := c.mine("ReLUBackward", dx, y, dy); err != nil {
		return err
	}
	if err := CheckSame("relu_backward", []string{"dx", "y", "dy"}, dx, y, dy); err != nil {
		return err
	}
	g := f32(dx)
	dispatch(c, &c.jobs.reluBack, reluBackJob{g, f32(y), f32(dy)}, len(g), c.elemChunk(len(g)))
	return nil
}

// Dropout writes y = x * mask * 1/(1-p).
func (c *CPU) Dropout(y, x *Tensor, s DropoutSpec) error {
	if err := c.mine("Dropout", y, x); err != nil {
		return err
	}
	if err := CheckDropout("dropout", x, y, s); err != nil {
		return err
	}
	c.dropout(f32(y), f32(x), s)
	return nil
}

// DropoutBackward writes dx = dy * mask * 1/(1-p).
func (c *CPU) DropoutBackward(dx, dy *Tensor, s DropoutSpec) error {
	if err := c.mine("DropoutBackward", dx, dy); err != nil {
		return err
	}
	if err := CheckDropout("dropout_backward", dy, dx, s); err != nil {
		return err
	}
	c.dropout(f32(dx), f32(dy), s)
	return nil
}

// dropout writes out = in * mask * 1/(1-p), the mask drawn from s.
func (c *CPU) dropout(out, in []float32, s DropoutSpec) {
	j := dropoutJob{
		out: out, in: in,
		key: DropoutStepKey(s.Seed, s.Step), thr: DropoutThreshold(s.P), scale: DropoutScale(s.P),
	}
	dispatch(c, &c.jobs.dropout, j, len(out), c.elemChunk(len(out)))
}

// Adam applies one bias-corrected Adam step in place.
func (c *CPU) Adam(p, g, m, v *Tensor, s AdamSpec) error {
	if err := c.mine("Adam", p, g, m, v, s.Guard); err != nil {
		return err
	}
	if err := CheckAdam(p, g, m, v, s); err != nil {
		return err
	}
	if s.Guard != nil {
		if x := float64(f32(s.Guard)[0]); math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	pp := f32(p)
	j := adamJob{p: pp, g: f32(g), m: f32(m), v: f32(v), k: s.Consts()}
	dispatch(c, &c.jobs.adam, j, len(pp), c.elemChunk(len(pp)))
	return nil
}

// Argmax writes the index of each row's first largest logit.
func (c *CPU) Argmax(pred, logits *Tensor) error {
	if err := c.mine("Argmax", pred, logits); err != nil {
		return err
	}
	if err := CheckArgmax(pred, logits); err != nil {
		return err
	}
	n, k := logits.shape[0], logits.shape[1]
	x, out := f32(logits), i32(pred)
	for i := 0; i < n; i++ {
		row := x[i*k : (i+1)*k]
		best := 0
		for j := 1; j < k; j++ {
			if row[j] > row[best] {
				best = j
			}
		}
		out[i] = int32(best)
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
