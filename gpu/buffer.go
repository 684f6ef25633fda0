package gpu

import (
	"fmt"

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
	half     bool   // binary16 elements, two to a word (half.go)
	// base, for a view (view.go), is the buffer the view lies in, from
	// byte off; the view's own fields other than cap are unused.
	base *buffer
	off  uint64
}

// root returns the buffer b lies in and b's byte offset there: b itself
// and 0 unless b is a view.
func (b *buffer) root() (*buffer, uint64) {
	if b.base != nil {
		return b.base, b.off
	}
	return b, 0
}

const storageUsage = wgpu.BufferUsage_Storage | wgpu.BufferUsage_CopySrc | wgpu.BufferUsage_CopyDst

// maxBufferSize is the largest storage buffer the device can create, in
// bytes. A buffer larger than one storage binding is bound in slices
// (split.go).
func (g *Backend) maxBufferSize() uint64 {
	return g.d.limits.MaxBufferSize
}

// roundUp returns n rounded up to a multiple of 256 bytes.
func roundUp(n uint64) uint64 { return (n + 255) &^ 255 }

// get returns a storage buffer of at least size bytes from the pool, or a
// new one (which WebGPU zero-fills).
func (g *Backend) get(size uint64) (*buffer, error) {
	if size > g.maxBufferSize() { // checked first: roundUp wraps near 2^64
		return nil, fmt.Errorf("%d bytes exceed the device's largest buffer (%d bytes)", size, g.maxBufferSize())
	}
	size = roundUp(size)
	if list := g.pool[size]; len(list) > 0 {
		wb := list[len(list)-1]
		g.pool[size] = list[:len(list)-1]
		g.pooled -= size
		gen := g.poolGen[wb]
		delete(g.poolGen, wb)
		return &buffer{wb: wb, cap: size, needZero: true, gen: gen}, nil
	}
	if size > g.maxBufferSize() {
		return nil, fmt.Errorf("%d bytes exceed the device's largest buffer (%d bytes)", size, g.maxBufferSize())
	}
	wb, err := g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Usage: storageUsage, Size: size})
	if err != nil {
		return nil, err
	}
	g.live += size
	return &buffer{wb: wb, cap: size}, nil
}

// put returns a buffer to the pool. Work already recorded that uses it
// runs before any later use, in queue order, so it is reusable at once;
// the pool keeps the submission that last used it, so that an upload into
// it (write), which the queue runs before the recorded work, first submits
// that work when it is still unsubmitted.
func (g *Backend) put(b *buffer) {
	if g.poolGen == nil {
		g.poolGen = map[*wgpu.Buffer]uint64{}
	}
	g.poolGen[b.wb] = b.gen
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
