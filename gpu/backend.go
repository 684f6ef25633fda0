package gpu

import (
	"fmt"
	"sync"

	"github.com/rajveermalviya/go-webgpu/wgpu"
	"github.com/wgtrain/wgtrain/ops"
)

// Backend is the WebGPU implementation of ops.Backend. Its tensors'
// storage is GPU buffers; operations are recorded and submitted when the
// host needs a result. A Backend is safe for use by several goroutines,
// but one training loop drives it at a time.
type Backend struct {
	mu      sync.Mutex
	d       *device
	modules map[string]*module
	dummy   *wgpu.Buffer // bound where an entry point leaves a binding unused
	pipes   map[string]*pipeline

	pool map[uint64][]*wgpu.Buffer // free storage buffers by size
	// poolGen is, for each pooled buffer, the submission that last used
	// it (buffer.gen), carried to the buffer get makes of it.
	poolGen map[*wgpu.Buffer]uint64
	stage   map[uint64][]*wgpu.Buffer // free read-back buffers by size
	live    uint64                    // bytes of storage buffers created
	pooled  uint64                    // bytes of them now in the pool

	enc      *wgpu.CommandEncoder
	pass     *wgpu.ComputePassEncoder
	passOps  []string
	chunks   []*chunk
	used     int // parameter slots used in this submission
	garbage  []*wgpu.BindGroup
	staged   []*Pending
	flops    float64
	recorded bool
	gen      uint64 // submissions so far
	waits    uint64 // times the host blocked on the GPU
	err      error  // a deferred failure, reported by every later call
	labels   *labelRecord

	// profiling (profile.go)
	prof       *profiler // the running profile; nil when none
	dispatches uint64    // dispatches recorded so far (Dispatches)

	sub    wgpu.SubmissionIndex // the queue's index of the latest submission
	counts SyncCounts           // read-backs, polls, drains (see SyncCounts)

	testBindCap uint64 // tests: a storage binding cap below the device's, 0 = none (split.go)
	half        bool   // AllocAct stores binary16 (Options.Precision "f16", half.go)
}

var (
	_ ops.AsyncBackend = (*Backend)(nil)
	_ ops.ActBackend   = (*Backend)(nil)
)

// New opens the best adapter (see Options) and returns a backend on it.
// With no usable adapter the error wraps ErrNoAdapter and lists what
// WebGPU found.
func New(o Options) (*Backend, error) {
	if err := CheckPrecision(o.Precision); err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	d, err := open(o)
	if err != nil {
		return nil, err
	}
	return &Backend{
		half:    o.Precision == PrecisionF16,
		d:       d,
		modules: map[string]*module{},
		pipes:   map[string]*pipeline{},
		pool:    map[uint64][]*wgpu.Buffer{},
		stage:   map[uint64][]*wgpu.Buffer{},
	}, nil
}

// Name returns "webgpu".
func (g *Backend) Name() string { return "webgpu" }

// Adapter describes the adapter the backend runs on.
func (g *Backend) Adapter() AdapterInfo { return g.d.info }

// MemoryStats reports the bytes of GPU storage buffers the backend has
// created and how many of them are idle in its pool.
func (g *Backend) MemoryStats() (live, pooled uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.live, g.pooled
}

// Counters reports how many submissions the backend has made and how
// many times the host has blocked waiting for the GPU, for tests and
// benchmarks that check a training step is one submission and that
// reading its results does not stall the next one.
func (g *Backend) Counters() (submissions, waits uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen, g.waits
}

// Close waits for queued work and releases every GPU resource. Tensors
// of the backend must not be used afterwards.
func (g *Backend) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	err := g.flush(true)
	if g.prof != nil {
		g.prof.release()
		g.prof = nil
	}
	if g.labels != nil {
		g.put(g.labels.buf)
		g.labels = nil
	}
	for _, list := range []map[uint64][]*wgpu.Buffer{g.pool, g.stage} {
		for _, bufs := range list {
			for _, b := range bufs {
				b.Destroy()
				b.Release()
			}
		}
	}
	for _, c := range g.chunks {
		c.buf.Destroy()
		c.buf.Release()
	}
	for _, p := range g.pipes {
		p.p.Release()
	}
	for _, m := range g.modules {
		m.pl.Release()
		m.bgl.Release()
		m.m.Release()
	}
	if g.dummy != nil {
		g.dummy.Destroy()
		g.dummy.Release()
	}
	g.d.close()
	return err
}

func opErr(op, format string, args ...any) error {
	return &ops.Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// begin opens an operation: checked is the result of its argument
// checks, made before the lock (ops.Check* and the operation's own). When
// it is nil, begin locks the backend and returns the storage of ts (see
// bufs) and done, which unlocks it and which the caller defers; otherwise
// it returns checked.
func (g *Backend) begin(op string, checked error, ts ...*ops.Tensor) (bs []*buffer, done func(), err error) {
	if checked != nil {
		return nil, nil, checked
	}
	g.mu.Lock()
	if bs, err = g.bufs(op, ts...); err != nil {
		g.mu.Unlock()
		return nil, nil, err
	}
	return bs, g.mu.Unlock, nil
}

// bufs returns the storage of each tensor (nil for a nil tensor) after
// checking that the backend owns it and it was not freed.
func (g *Backend) bufs(op string, ts ...*ops.Tensor) ([]*buffer, error) {
	out := make([]*buffer, len(ts))
	for i, t := range ts {
		if t == nil {
			continue
		}
		if t.Owner() != ops.Backend(g) {
			return nil, opErr(op, "%s belongs to another backend", t)
		}
		b, ok := t.Storage().(*buffer)
		if !ok || b == nil {
			return nil, opErr(op, "%s has no GPU storage", t)
		}
		if r, _ := b.root(); b.freed || r.freed {
			return nil, opErr(op, "%s was used after Free", t)
		}
		if n, err := t.Shape().NumelChecked(); err != nil || uint64(n) > b.cap/b.esize() {
			return nil, opErr(op, "%s is larger than its storage", t)
		}
		out[i] = b
	}
	return out, nil
}

// Alloc returns a zero-filled tensor. It returns an error for a shape
// with an extent below 1, one whose element count overflows an int, and
// one larger than the device's largest buffer (a tensor larger than one
// storage binding is bound in slices: split.go).
func (g *Backend) Alloc(dtype ops.DType, shape ops.Shape) (*ops.Tensor, error) {
	return g.alloc(dtype, shape, false)
}

// alloc is Alloc, of binary16 storage when half (AllocAct, half.go).
func (g *Backend) alloc(dtype ops.DType, shape ops.Shape, half bool) (*ops.Tensor, error) {
	if !shape.Valid() {
		return nil, opErr("alloc", "shape %s has a non-positive extent", shape)
	}
	if dtype != ops.F32 && dtype != ops.I32 {
		return nil, opErr("alloc", "unknown %s", dtype)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return nil, g.err
	}
	n, err := shape.NumelChecked()
	if err != nil { // (not a negative extent: Valid said so)
		return nil, opErr("alloc", "%s%s has more elements than an int can count", dtype, shape)
	}
	es := uint64(4)
	if half {
		es = 2
	}
	if limit := g.maxBufferSize(); uint64(n) > limit/es {
		return nil, opErr("alloc", "%s%s needs %d bytes, more than the device's largest buffer (%d bytes under the %q limits): use a smaller batch", dtype, shape, es*uint64(n), limit, g.d.set)
	}
	b, err := g.get(bytesFor(es, n))
	if err != nil {
		return nil, opErr("alloc", "%s%s: %v", dtype, shape, err)
	}
	b.half = half
	t := ops.NewTensor(g, dtype, shape, b)
	b.owner = t
	return t, nil
}

// Free returns t's buffer to the pool; freeing a view frees nothing.
func (g *Backend) Free(t *ops.Tensor) {
	if t == nil || t.Owner() != ops.Backend(g) {
		return
	}
	b, ok := t.Storage().(*buffer)
	if !ok || b == nil || b.owner != t || b.freed {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.put(b)
}

// Flush submits the recorded work without waiting for it.
func (g *Backend) Flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	return g.flush(false)
}

// Sync submits the recorded work and waits for it to finish. It also
// reports a label outside the classes that a loss met since the last Sync
// (labels stay on the GPU, so the loss operations cannot see them when
// they are called; such a row's loss and gradient are NaN).
func (g *Backend) Sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	return g.syncLabels()
}
