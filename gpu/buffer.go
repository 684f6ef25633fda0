package gpu

import (
	"fmt"
	"unsafe"

	"github.com/rajveermalviya/go-webgpu/wgpu"
	"github.com/wgtrain/wgtrain/ops"
)

// buffer is a tensor's storage: a pooled storage buffer and what the
// recorder knows about it.
type buffer struct {
	wb       *wgpu.Buffer
	cap      uint64      // bytes, a multiple of 256
	owner    *ops.Tensor // the tensor Alloc returned; views share the buffer
	freed    bool
	needZero bool   // pooled and not yet written since Alloc
	gen      uint64 // the submission that last used it
}

const storageUsage = wgpu.BufferUsage_Storage | wgpu.BufferUsage_CopySrc | wgpu.BufferUsage_CopyDst

// roundUp returns n rounded up to a multiple of 256 bytes.
func roundUp(n uint64) uint64 { return (n + 255) &^ 255 }

// get returns a storage buffer of at least size bytes from the pool, or a
// new one (which WebGPU zero-fills).
func (g *Backend) get(size uint64) (*buffer, error) {
	size = roundUp(size)
	if list := g.pool[size]; len(list) > 0 {
		wb := list[len(list)-1]
		g.pool[size] = list[:len(list)-1]
		g.pooled -= size
		return &buffer{wb: wb, cap: size, needZero: true}, nil
	}
	if size > g.d.limits.MaxStorageBufferBindingSize || size > g.d.limits.MaxBufferSize {
		return nil, fmt.Errorf("%d bytes exceed the adapter's largest storage buffer (%d bytes)", size, min(g.d.limits.MaxStorageBufferBindingSize, g.d.limits.MaxBufferSize))
	}
	wb, err := g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Usage: storageUsage, Size: size})
	if err != nil {
		return nil, err
	}
	g.live += size
	return &buffer{wb: wb, cap: size}, nil
}

// put returns a buffer to the pool. Work already recorded that uses it
// runs before any later use, in queue order, so it is reusable at once.
func (g *Backend) put(b *buffer) {
	b.freed = true
	g.pool[b.cap] = append(g.pool[b.cap], b.wb)
	g.pooled += b.cap
	b.wb = nil
}

// staging returns a map-readable buffer of at least size bytes.
func (g *Backend) staging(size uint64) (*wgpu.Buffer, error) {
	size = roundUp(size)
	if list := g.stage[size]; len(list) > 0 {
		wb := list[len(list)-1]
		g.stage[size] = list[:len(list)-1]
		return wb, nil
	}
	return g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Usage: wgpu.BufferUsage_MapRead | wgpu.BufferUsage_CopyDst, Size: size})
}

// Pending is a read-back in flight: the copy is recorded, and the data
// arrive once the submission holding it has run.
type Pending struct {
	g       *Backend
	wb      *wgpu.Buffer
	size    uint64
	n       int
	mapping bool
	done    bool
	status  wgpu.BufferMapAsyncStatus
	data    []byte
	err     error
	what    string
	dtype   ops.DType
}

// startMap asks for the mapping once the copy has been submitted.
func (p *Pending) startMap() {
	p.mapping = true
	err := p.wb.MapAsync(wgpu.MapMode_Read, 0, roundUp(p.size), func(s wgpu.BufferMapAsyncStatus) {
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
	if !p.done {
		p.g.waits++
	}
	for !p.done {
		p.g.d.dev.Poll(true, nil)
		if err := p.g.d.lostErr(p.what); err != nil {
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
	out := make([]E, p.n)
	copy(out, unsafe.Slice((*E)(unsafe.Pointer(&p.data[0])), p.n))
	return out, nil
}
