package gpu

import (
	"fmt"
	"unsafe"

	"github.com/rajveermalviya/go-webgpu/wgpu"
	"github.com/wgtrain/wgtrain/ops"
)

// Transfers between the host and the GPU: uploads write a tensor's buffer
// through the queue (after submitting recorded work that uses it), and
// downloads record a copy into a staging buffer that Pending maps once the
// submission holding the copy has run, waiting for that submission alone.

// write uploads host bytes into b. Work recorded but not yet submitted
// must see b as it was, so it is submitted first when it uses b.
func (g *Backend) write(op string, b *buffer, data []byte) error {
	if g.err != nil {
		return g.err
	}
	if err := g.d.lostErr(op); err != nil {
		return err
	}
	if g.prof != nil {
		g.profUpload(op, len(data))
	}
	view := b.base != nil
	b, off := b.root()
	if g.recorded && b.gen == g.gen {
		if err := g.flush(false); err != nil {
			return err
		}
	}
	if view { // its buffer was zeroed when the view was made
		if err := g.d.queue.WriteBuffer(b.wb, off, data); err != nil {
			return fmt.Errorf("gpu: %s: %w", op, err)
		}
		return nil
	}
	if err := g.d.queue.WriteBuffer(b.wb, 0, data); err != nil {
		return fmt.Errorf("gpu: %s: %w", op, err)
	}
	if uint64(len(data)) == b.cap {
		b.needZero = false
	} else if b.needZero {
		// The tail past the tensor must stay zero for views; the buffer
		// came from the pool, so clear it before writing.
		b.needZero = false
		if err := g.zero(b); err != nil {
			return err
		}
		if err := g.flush(false); err != nil {
			return err
		}
		if err := g.d.queue.WriteBuffer(b.wb, 0, data); err != nil {
			return fmt.Errorf("gpu: %s: %w", op, err)
		}
	}
	return nil
}

func bytesOf[E float32 | int32](data []E) []byte {
	if len(data) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), 4*len(data))
}

// Upload copies data into an F32 tensor (rounded to binary16 for a half
// tensor, half.go).
func (g *Backend) Upload(t *ops.Tensor, data []float32) error {
	if g.HalfStorage(t) {
		return g.upload("upload", t, ops.F32, packHalf(data), len(data))
	}
	return g.upload("upload", t, ops.F32, bytesOf(data), len(data))
}

// UploadInt copies data into an I32 tensor.
func (g *Backend) UploadInt(t *ops.Tensor, data []int32) error {
	return g.upload("upload", t, ops.I32, bytesOf(data), len(data))
}

func (g *Backend) upload(op string, t *ops.Tensor, dt ops.DType, data []byte, n int) error {
	bs, done, err := g.begin(op, checkUpload(op, t, dt, n), t)
	if err != nil {
		return err
	}
	defer done()
	return g.write(op, bs[0], data)
}

// checkUpload checks that n values of dtype dt fit t.
func checkUpload(op string, t *ops.Tensor, dt ops.DType, n int) error {
	switch {
	case t == nil:
		return &ops.Error{Op: op, Msg: "t is nil", Err: ops.ErrNilTensor}
	case t.DType() != dt:
		return opErr(op, "t is %s, want %s", t, dt)
	case n != t.Numel():
		return opErr(op, "%d values for %s", n, t)
	}
	return nil
}

// DownloadAsync records a read-back of t and returns at once; the values
// arrive when the submission holding the copy has run (see Flush).
func (g *Backend) DownloadAsync(t *ops.Tensor) (*Pending, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.readBack("download", t)
}

func (g *Backend) readBack(op string, t *ops.Tensor) (*Pending, error) {
	if t == nil {
		return nil, &ops.Error{Op: op, Msg: "t is nil", Err: ops.ErrNilTensor}
	}
	bs, err := g.bufs(op, t)
	if err != nil {
		return nil, err
	}
	if g.err != nil {
		return nil, g.err
	}
	b, off := bs[0].root()
	if b.needZero {
		if err := g.zero(b); err != nil {
			return nil, err
		}
	}
	size := bytesFor(bs[0].esize(), t.Numel())
	wb, err := g.staging(size)
	if err != nil {
		return nil, fmt.Errorf("gpu: %s: %w", op, err)
	}
	if err := g.copyBuffer(b.wb, off, wb, roundUp(size)); err != nil {
		return nil, fmt.Errorf("gpu: %s: %w", op, err)
	}
	b.gen = g.gen
	p := &Pending{g: g, wb: wb, size: size, n: t.Numel(), what: op + " " + t.String(), dtype: t.DType(), half: b.half}
	g.staged = append(g.staged, p)
	return p, nil
}

// ReadAsync is DownloadAsync for ops.AsyncBackend.
func (g *Backend) ReadAsync(t *ops.Tensor) (ops.Future, error) {
	p, err := g.DownloadAsync(t)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Download copies an F32 tensor to the host, waiting for the work that
// writes it.
func (g *Backend) Download(t *ops.Tensor) ([]float32, error) {
	return download(g, t, ops.F32, (*Pending).Float32)
}

// DownloadInt copies an I32 tensor to the host.
func (g *Backend) DownloadInt(t *ops.Tensor) ([]int32, error) {
	return download(g, t, ops.I32, (*Pending).Int32)
}

// download reads t, of dtype dt, back with read.
func download[E float32 | int32](g *Backend, t *ops.Tensor, dt ops.DType, read func(*Pending) ([]E, error)) ([]E, error) {
	if t != nil && t.DType() != dt {
		return nil, opErr("download", "t is %s, want %s", t, dt)
	}
	p, err := g.DownloadAsync(t)
	if err != nil {
		return nil, err
	}
	return read(p)
}

// Pending is a read-back in flight: the copy is recorded, and the data
// arrive once the submission holding it has run. Waiting for them waits
// for that submission only, not for work submitted after it.
type Pending struct {
	g       *Backend
	wb      *wgpu.Buffer
	size    uint64
	n       int
	sub     wgpu.SubmissionIndex // the submission holding the copy, once made
	mapping bool
	done    bool
	status  wgpu.BufferMapAsyncStatus
	data    []byte
	err     error
	what    string
	dtype   ops.DType
	half    bool // binary16 values, widened by Float32
}

// startMap asks for the mapping once the copy has been submitted in
// submission sub.
func (p *Pending) startMap(sub wgpu.SubmissionIndex) {
	p.mapping, p.sub = true, sub
	err := mapRead(p.wb, roundUp(p.size), func(s wgpu.BufferMapAsyncStatus) {
		p.status, p.done = s, true
	})
	if err != nil {
		p.err, p.done = err, true
	}
}

// Ready reports, without blocking, whether Wait would return at once.
func (p *Pending) Ready() bool {
	if p.data != nil || p.err != nil {
		return true
	}
	if !p.mapping {
		return false
	}
	p.g.mu.Lock()
	defer p.g.mu.Unlock()
	p.g.d.dev.Poll(false, nil)
	return p.done
}

// wait blocks until the data are on the host; the backend's lock is held.
func (p *Pending) wait() error {
	if p.data != nil || p.err != nil {
		return p.err
	}
	if !p.mapping {
		if err := p.g.flush(false); err != nil {
			p.err = err
			return err
		}
	}
	g := p.g
	g.counts.ReadBacks++
	if g.sub > p.sub {
		g.counts.Ahead++
	}
	if !p.done {
		g.waits++
	}
	// Poll for the submission holding the copy, not for everything
	// submitted: the next step, already queued, keeps running. The first
	// poll is made even when the map callback has fired (it then returns
	// at once), so that every read-back is counted against the submission
	// it waited for; more are made until the callback fires.
	for first := true; first || !p.done; first = false {
		g.pollFor(p.sub, p.sub)
		if err := g.d.lostErr(p.what); err != nil {
			p.err = err
			return err
		}
	}
	if p.status == wgpu.BufferMapAsyncStatus_DeviceLost {
		msg := "device lost"
		p.g.d.lost.Store(&msg)
		p.err = p.g.d.lostErr(p.what)
	}
	if p.err == nil && p.status != wgpu.BufferMapAsyncStatus_Success {
		p.err = fmt.Errorf("gpu: %s: map for reading: %v", p.what, p.status)
	}
	if p.err == nil {
		m := p.wb.GetMappedRange(0, uint(p.size))
		p.data = append(make([]byte, 0, p.size), m...) // m is owned by C
		if err := p.wb.Unmap(); err != nil {
			p.err = fmt.Errorf("gpu: %s: unmap: %w", p.what, err)
		}
	}
	size := roundUp(p.size)
	p.g.stage[size] = append(p.g.stage[size], p.wb)
	p.wb = nil
	return p.err
}

// Float32 waits for the read-back of an F32 tensor and returns its values.
func (p *Pending) Float32() ([]float32, error) { return values[float32](p, ops.F32) }

// Int32 waits for the read-back of an I32 tensor and returns its values.
func (p *Pending) Int32() ([]int32, error) { return values[int32](p, ops.I32) }

// values waits for the read-back of a tensor of dtype dt, whose elements
// are E, and returns them.
func values[E float32 | int32](p *Pending, dt ops.DType) ([]E, error) {
	if p.dtype != dt {
		return nil, fmt.Errorf("gpu: %s: read-back of an %s tensor as %s", p.what, p.dtype, dt)
	}
	p.g.mu.Lock()
	defer p.g.mu.Unlock()
	if err := p.wait(); err != nil {
		return nil, err
	}
	if p.half {
		return any(unpackHalf(p.data, p.n)).([]E), nil
	}
	out := make([]E, p.n)
	copy(out, unsafe.Slice((*E)(unsafe.Pointer(&p.data[0])), p.n))
	return out, nil
}
