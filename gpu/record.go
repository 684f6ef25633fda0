package gpu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// slot is the size of one dispatch's parameter block in the uniform
// arena: 256 bytes, a multiple of every adapter's uniform offset
// alignment, and room for 64 scalars.
const slot = 256

// chunkSize is the size of one uniform arena buffer (256 dispatches).
const chunkSize = 64 << 10

// chunk is one uniform buffer of the parameter arena and the host copy of
// the parameters recorded into it since the last submission.
type chunk struct {
	buf  *wgpu.Buffer
	data []byte
}

// binding is one storage buffer, or the range of it from off, bound to a
// shader (split.go binds slices of large tensors).
type binding struct {
	buf   *buffer
	off   uint64 // bytes, a multiple of the storage offset alignment
	size  uint64
	n     int  // elements
	write bool // the dispatch overwrites the whole range
	half  bool // binary16 elements (half.go): the shader's variant
}

// in binds a tensor the shader reads (or reads and updates in place); a
// view is bound at its offset in the buffer it lies in.
func in(b *buffer, numel int) binding {
	r, off := b.root()
	return binding{buf: r, off: off, size: bytesFor(b.esize(), numel), n: numel, half: r.half}
}

// out binds a tensor the shader overwrites element by element.
func out(b *buffer, numel int) binding {
	bd := in(b, numel)
	bd.write = true
	return bd
}

// halfMask returns the bit set of the bindings (bit k: binding k) that
// hold binary16 elements.
func halfMask(bufs []binding) uint32 {
	var m uint32
	for i, b := range bufs {
		if b.half {
			m |= 1 << (i + 1)
		}
	}
	return m
}

// encoder returns the open command encoder, creating one when needed.
func (g *Backend) encoder() (*wgpu.CommandEncoder, error) {
	if g.enc != nil {
		return g.enc, nil
	}
	enc, err := g.d.dev.CreateCommandEncoder(nil)
	if err != nil {
		return nil, err
	}
	g.enc = enc
	return enc, nil
}

// computePass returns the open compute pass, beginning one when needed.
func (g *Backend) computePass() (*wgpu.ComputePassEncoder, error) {
	if g.pass != nil {
		return g.pass, nil
	}
	enc, err := g.encoder()
	if err != nil {
		return nil, err
	}
	g.pass = enc.BeginComputePass(nil)
	return g.pass, nil
}

// endPass ends the open compute pass. A validation error of any dispatch
// in the pass surfaces here; it names the operations the pass held.
func (g *Backend) endPass() error {
	if g.pass == nil {
		return nil
	}
	err := g.pass.End()
	g.pass.Release()
	g.pass = nil
	ops := g.passOps
	g.passOps = g.passOps[:0]
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", describeOps(ops), err)
	}
	return nil
}

func describeOps(ops []string) string {
	seen := map[string]bool{}
	var uniq []string
	for _, o := range ops {
		if !seen[o] {
			seen[o] = true
			uniq = append(uniq, o)
		}
	}
	if len(uniq) > 6 {
		uniq = append(uniq[:6], "...")
	}
	return "pass with " + strings.Join(uniq, ", ")
}

// param copies a dispatch's parameters into the arena and returns where
// they lie.
func (g *Backend) param(vals []uint32) (*wgpu.Buffer, uint64, error) {
	if len(vals)*4 > slot {
		return nil, 0, errors.New("gpu: too many shader parameters")
	}
	if g.used == len(g.chunks)*(chunkSize/slot) {
		buf, err := g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{
			Label: "params",
			Usage: wgpu.BufferUsage_Uniform | wgpu.BufferUsage_CopyDst,
			Size:  chunkSize,
		})
		if err != nil {
			return nil, 0, err
		}
		g.chunks = append(g.chunks, &chunk{buf: buf, data: make([]byte, chunkSize)})
	}
	c := g.chunks[g.used/(chunkSize/slot)]
	off := uint64(g.used%(chunkSize/slot)) * slot
	for i, v := range vals {
		p := off + uint64(4*i)
		c.data[p], c.data[p+1], c.data[p+2], c.data[p+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	g.used++
	return c.buf, off, nil
}

// maxGroups returns the most workgroups one dispatch dimension may have.
func (g *Backend) maxGroups() int {
	m := int(g.d.limits.MaxComputeWorkgroupsPerDimension)
	if m <= 0 || m > 65535 {
		m = 65535
	}
	return m
}

// grid returns a two-dimensional dispatch covering n invocations in
// workgroups of wg, and the row length (invocations per grid row) that a
// shader multiplies global_invocation_id.y by.
func (g *Backend) grid(n, wg int) (wx, wy, row uint32) {
	groups := (n + wg - 1) / wg
	x := min(groups, g.maxGroups())
	y := (groups + x - 1) / x
	return uint32(x), uint32(y), uint32(x * wg)
}

// dispatchFlat records entry point key over n invocations in workgroups
// of wg on the grid of Backend.grid, with the flat head of params (N and
// Row) filled in.
func (g *Backend) dispatchFlat(op, key string, n, wg int, flops float64, params flatParams, bufs ...binding) error {
	wx, wy, row := g.grid(n, wg)
	*params.head() = flat{N: uint32(n), Row: row}
	return g.dispatch(op, key, params, wx, wy, flops, bufs...)
}

// dispatch records one compute dispatch of the entry point key ("file" for
// entry point main, or "file:entry") with the given parameters, a pointer
// to the module's parameter block struct (see paramBlocks), and storage
// buffers. flops estimates its work, for the per-submission budget of
// slow adapters.
func (g *Backend) dispatch(op, key string, params any, wx, wy uint32, flops float64, bufs ...binding) error {
	if err := g.d.lostErr(op); err != nil {
		return err
	}
	if g.err != nil {
		return g.err
	}
	if wx == 0 || wy == 0 {
		return nil
	}
	if max(wx, wy) > g.d.limits.MaxComputeWorkgroupsPerDimension {
		return fmt.Errorf("gpu: %s: dispatch of %d x %d workgroups exceeds the adapter's %d per dimension", op, wx, wy, g.d.limits.MaxComputeWorkgroupsPerDimension)
	}
	p, err := g.pipelineFor(key, halfMask(bufs))
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", op, err)
	}
	if g.d.budget > 0 && g.flops > 0 && g.flops+flops > g.d.budget {
		if err := g.submitCapped(); err != nil {
			return err
		}
	}
	// Zero the buffers a dispatch reads that were pooled and never written
	// since Alloc (Alloc promises zeros).
	for _, b := range bufs {
		if b.buf.needZero && !b.write {
			if err := g.zero(b.buf); err != nil {
				return err
			}
		}
	}
	g.dispatches++
	if g.prof != nil {
		if g.prof.opts.CountOnly {
			g.profCount(op, key, wx, wy, flops, bufs)
			return nil
		}
		if err := g.profBefore(); err != nil {
			return fmt.Errorf("gpu: %s: %w", op, err)
		}
	}
	pass, err := g.computePass()
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", op, err)
	}
	words, err := paramWords(p.file, params)
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", op, err)
	}
	pbuf, off, err := g.param(words)
	if err != nil {
		return fmt.Errorf("gpu: %s: %w", op, err)
	}
	entries := make([]wgpu.BindGroupEntry, 0, len(bufs)+1)
	entries = append(entries, wgpu.BindGroupEntry{Binding: 0, Buffer: pbuf, Offset: off, Size: slot})
	for i, b := range bufs {
		if b.size > g.bindCap() {
			return g.bindingTooLarge(op, b.size)
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(i + 1), Buffer: b.buf.wb, Offset: b.off, Size: b.size})
		b.buf.gen = g.gen
		if b.write {
			b.buf.needZero = false
		}
	}
	if len(bufs) > p.storage {
		return fmt.Errorf("gpu: %s: %d buffers for %s, which binds %d", op, len(bufs), key, p.storage)
	}
	for k := len(bufs) + 1; k <= p.storage; k++ {
		if g.dummy == nil {
			if g.dummy, err = g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "unused", Usage: storageUsage, Size: 256}); err != nil {
				return fmt.Errorf("gpu: %s: %w", op, err)
			}
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(k), Buffer: g.dummy, Size: 256})
	}
	bg, err := g.d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: op, Layout: p.layout, Entries: entries})
	if err != nil {
		return fmt.Errorf("gpu: %s: bind group for %s: %w", op, key, err)
	}
	g.garbage = append(g.garbage, bg)
	pass.SetPipeline(p.p)
	pass.SetBindGroup(0, bg, nil)
	pass.DispatchWorkgroups(wx, wy, 1)
	g.passOps = append(g.passOps, op)
	g.flops += flops
	g.recorded = true
	if g.prof != nil {
		return g.profAfter(g.profDispatch(op, key, wx, wy, flops, bufs))
	}
	return nil
}

// zero records a fill of b's whole capacity with zeros (in chunks when it
// is larger than one binding).
func (g *Backend) zero(b *buffer) error {
	n := int(b.cap / 4)
	b.needZero = false
	words := binding{buf: b, size: b.cap, n: n, write: true} // as f32 words, half or not
	return g.flatChunks(n, func(first, count int) error {
		return g.dispatchFlat("zero", "elementwise_fill", count, 256, 0, &fillParams{}, words.slice(first, count))
	})
}

// copyBuffer records a copy of size bytes from src, from byte srcOff,
// into dst outside any pass.
func (g *Backend) copyBuffer(src *wgpu.Buffer, srcOff uint64, dst *wgpu.Buffer, size uint64) error {
	if err := g.endPass(); err != nil {
		g.err = err
		return err
	}
	if g.prof != nil {
		if err := g.profBefore(); err != nil {
			return err
		}
	}
	enc, err := g.encoder()
	if err != nil {
		return err
	}
	if err := enc.CopyBufferToBuffer(src, srcOff, dst, 0, size); err != nil {
		return err
	}
	g.recorded = true
	if g.prof != nil {
		return g.profAfter(g.profCopy(size))
	}
	return nil
}

// flush submits everything recorded so far, remembering the submission's
// index in g.sub and in each read-back it holds; with wait it also blocks
// until the GPU has finished every submission.
func (g *Backend) flush(wait bool) error {
	if g.enc == nil {
		if wait {
			return g.waitIdle()
		}
		return nil
	}
	err := g.endPass()
	if g.prof != nil && err == nil {
		err = g.profResolve()
	}
	for i := 0; i*(chunkSize/slot) < g.used; i++ {
		n := min(g.used-i*(chunkSize/slot), chunkSize/slot) * slot
		if werr := g.d.queue.WriteBuffer(g.chunks[i].buf, 0, g.chunks[i].data[:n]); werr != nil && err == nil {
			err = fmt.Errorf("gpu: write parameters: %w", werr)
		}
	}
	g.used = 0
	cmd, ferr := g.enc.Finish(nil)
	g.enc.Release()
	g.enc = nil
	if ferr != nil && err == nil {
		err = fmt.Errorf("gpu: finish commands: %w", ferr)
	}
	if err == nil {
		g.sub = g.d.queue.Submit(cmd)
		cmd.Release()
	}
	if g.prof != nil {
		g.profSubmitted(err == nil)
	}
	for _, bg := range g.garbage {
		bg.Release()
	}
	g.garbage = g.garbage[:0]
	g.gen++
	g.flops = 0
	g.recorded = false
	for _, r := range g.staged {
		r.startMap(g.sub)
	}
	g.staged = g.staged[:0]
	if err != nil {
		g.err = err
		return err
	}
	if wait {
		return g.waitIdle()
	}
	return nil
}

// waitIdle blocks until every submitted command has finished. It polls
// until the queue's completion callback has run rather than trusting one
// blocking poll, which some drivers return from early.
func (g *Backend) waitIdle() error {
	g.waits++
	g.counts.Drains++
	done := false
	onWorkDone(g.d.queue, func() { done = true })
	for !done {
		g.d.dev.Poll(true, nil)
		if err := g.d.lostErr("wait"); err != nil {
			return err
		}
	}
	return nil
}
