package gpu

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// The recorder's profiling hooks (called only while g.prof != nil) and
// the classification of commands into kernel families.

// Families lists the kernel families of Command.Family in the order a
// table shows them.
var Families = []string{
	"conv_forward", "conv_backward_data", "conv_backward_filter", "split_k_sum", "bias_grad",
	"linear", "bn_stats", "bn_apply", "bn_backward", "relu", "maxpool", "dropout", "loss",
	"optimizer", "argmax", "elementwise", "readback_copy", "upload", "other",
}

// familyOf classifies a dispatch by its entry point key.
func familyOf(key string) string {
	for _, f := range [...]struct{ prefix, family string }{
		{"conv2d:forward", "conv_forward"},
		{"conv2d:backward_data", "conv_backward_data"},
		{"conv2d:backward_filter", "conv_backward_filter"},
		{"gemm_sum:split", "split_k_sum"},
		{"gemm_sum:bias_grad", "bias_grad"},
		{"gemm:linear", "linear"},
		{"batchnorm_stats", "bn_stats"},
		{"batchnorm_apply", "bn_apply"},
		{"batchnorm_train", "bn_apply"},
		{"batchnorm_relu_pool", "bn_apply"},
		{"batchnorm_pool_", "bn_backward"},
		{"batchnorm_grad", "bn_backward"},
		{"batchnorm_relu_grad", "bn_backward"},
		{"batchnorm_dx", "bn_backward"},
		{"elementwise_unary:relu", "relu"},
		{"elementwise_binary:relu_backward", "relu"},
		{"maxpool", "maxpool"},
		{"dropout", "dropout"},
		{"loss_", "loss"},
		{"adam", "optimizer"},
		{"sgd", "optimizer"},
		{"argmax", "argmax"},
		{"elementwise_", "elementwise"},
	} {
		if strings.HasPrefix(key, f.prefix) {
			return f.family
		}
	}
	return "other"
}

// bindingUse overrides, for the entry points that update an in() binding
// in place or leave a binding unread, how each storage binding (by
// position) is used: r read, w written, b both, - unused. Positions past
// the string keep the default: in() read, out() written.
var bindingUse = map[string]string{
	"elementwise_binary:add":           "w",
	"elementwise_binary:relu_backward": "w",
	"adam":                             "brbbr",
	"sgd":                              "brbr",
	"batchnorm_train:apply":            "wrrwwbb",
	"batchnorm_train:apply_relu":       "wrrwwbb",
	"batchnorm_relu_pool:train":        "wwrrwwbb",
	"loss_weighted_sum:gather":         "w",
	// The image store is read only at the batch's images, a few bytes
	// per output value; its whole size (the data set) is not counted.
	"gather": "w-rr",
}

// profBytes returns the bytes a dispatch of key reads and writes: the
// sizes of its bindings. A dispatch that continues the previous one (same
// entry point, same bindings: one product split into several dispatches)
// counts none, so that a product's bytes are counted once.
func (p *profiler) profBytes(key string, bufs []binding) (read, written uint64) {
	same := key == p.lastKey && len(bufs) == len(p.last)
	for i := 0; same && i < len(bufs); i++ {
		same = bufs[i].buf == p.last[i].buf && bufs[i].size == p.last[i].size
	}
	p.lastKey, p.last = key, append(p.last[:0], bufs...)
	if same {
		return 0, 0
	}
	use := bindingUse[key]
	uses := make([]byte, len(bufs))
	for i, b := range bufs {
		u := byte('r')
		if b.write {
			u = 'w'
		}
		if i < len(use) {
			u = use[i]
		}
		uses[i] = u
		// A range bound again for the same use (a split product's row
		// sums, written through the bias binding) moves once.
		again := false
		for j := range i {
			again = again || uses[j] == u && bufs[j].buf == b.buf && bufs[j].off == b.off && bufs[j].size == b.size
		}
		if again {
			continue
		}
		if u == 'r' || u == 'b' {
			read += b.size
		}
		if u == 'w' || u == 'b' {
			written += b.size
		}
	}
	return read, written
}

// profDispatch returns the Command of a dispatch.
func (g *Backend) profDispatch(op, key string, wx, wy uint32, flops float64, bufs []binding) Command {
	r, w := g.prof.profBytes(key, bufs)
	return Command{Op: op, Key: key, Family: familyOf(key), Step: g.prof.step, Workgroups: uint64(wx) * uint64(wy), FLOPs: flops, BytesRead: r, BytesWritten: w}
}

// profCount records a dispatch of a count-only profile in place of
// encoding it.
func (g *Backend) profCount(op, key string, wx, wy uint32, flops float64, bufs []binding) {
	for _, b := range bufs {
		b.buf.gen = g.gen
		if b.write {
			b.buf.needZero = false
		}
	}
	g.flops += flops
	g.recorded = true
	g.prof.add(g.profDispatch(op, key, wx, wy, flops, bufs))
}

// profCopy returns the Command of a read-back copy of size bytes.
func (g *Backend) profCopy(size uint64) Command {
	g.prof.lastKey = ""
	return Command{Op: "download", Key: "copy", Family: "readback_copy", Step: g.prof.step, BytesRead: size, BytesWritten: size}
}

// profUpload records a host upload of n bytes.
func (g *Backend) profUpload(op string, n int) {
	p := g.prof
	p.lastKey = ""
	p.add(Command{Op: op, Key: "upload", Family: "upload", Step: p.step, BytesWritten: uint64(n)})
}

func (p *profiler) add(c Command) {
	p.cmds = append(p.cmds, c)
	p.ticks = append(p.ticks, [2]uint64{})
}

// profBefore ends the open pass and writes the timestamp before a timed
// command, first submitting what is recorded when the submission's query
// set is full.
func (g *Backend) profBefore() error {
	p := g.prof
	if !p.timed {
		return nil
	}
	if p.cur != nil && p.cur.n+2 > profileQueries {
		if err := g.flush(false); err != nil {
			return err
		}
	}
	if err := g.endPass(); err != nil {
		g.err = err
		return err
	}
	if p.cur == nil {
		s, err := g.profNewSubmission()
		if err != nil {
			return err
		}
		p.cur = s
	}
	enc, err := g.encoder()
	if err != nil {
		return err
	}
	if err := enc.WriteTimestamp(p.cur.qs, p.cur.n); err != nil {
		return fmt.Errorf("gpu: profile: %w", err)
	}
	return nil
}

// profAfter ends the command's pass, writes the timestamp after it and
// records it.
func (g *Backend) profAfter(c Command) error {
	p := g.prof
	if !p.timed {
		p.add(c)
		return nil
	}
	if err := g.endPass(); err != nil {
		g.err = err
		return err
	}
	if err := g.enc.WriteTimestamp(p.cur.qs, p.cur.n+1); err != nil {
		return fmt.Errorf("gpu: profile: %w", err)
	}
	p.cur.n += 2
	p.cur.cmds = append(p.cur.cmds, len(p.cmds))
	p.add(c)
	return nil
}

// profNewSubmission returns a query set and its read-back buffers.
func (g *Backend) profNewSubmission() (*profSubmission, error) {
	p := g.prof
	if k := len(p.free); k > 0 {
		s := p.free[k-1]
		p.free = p.free[:k-1]
		*s = profSubmission{qs: s.qs, resolve: s.resolve, read: s.read}
		return s, nil
	}
	qs, err := g.d.dev.CreateQuerySet(&wgpu.QuerySetDescriptor{Label: "profile", Type: wgpu.QueryType_Timestamp, Count: profileQueries})
	if err != nil {
		return nil, fmt.Errorf("gpu: profile: %w", err)
	}
	s := &profSubmission{qs: qs}
	if s.resolve, err = g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "profile resolve", Usage: wgpu.BufferUsage_QueryResolve | wgpu.BufferUsage_CopySrc, Size: 8 * profileQueries}); err == nil {
		s.read, err = g.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "profile read", Usage: wgpu.BufferUsage_MapRead | wgpu.BufferUsage_CopyDst, Size: 8 * profileQueries})
	}
	if err != nil {
		s.release()
		return nil, fmt.Errorf("gpu: profile: %w", err)
	}
	return s, nil
}

func (s *profSubmission) release() {
	if s.qs != nil {
		s.qs.Release()
	}
	for _, b := range []*wgpu.Buffer{s.resolve, s.read} {
		if b != nil {
			b.Destroy()
			b.Release()
		}
	}
}

// profResolve is called by flush before it finishes the encoder: it
// counts the parameter upload and records the resolution of the
// submission's timestamps into its read-back buffer.
func (g *Backend) profResolve() error {
	p := g.prof
	if g.used > 0 {
		p.lastKey = ""
		p.add(Command{Op: "parameters", Key: "upload", Family: "upload", Step: p.step, BytesWritten: uint64(g.used) * slot})
	}
	s := p.cur
	if s == nil || s.n == 0 {
		return nil
	}
	if err := g.enc.ResolveQuerySet(s.qs, 0, s.n, s.resolve, 0); err != nil {
		return fmt.Errorf("gpu: profile: resolve timestamps: %w", err)
	}
	if err := g.enc.CopyBufferToBuffer(s.resolve, 0, s.read, 0, 8*uint64(s.n)); err != nil {
		return fmt.Errorf("gpu: profile: copy timestamps: %w", err)
	}
	return nil
}

// profSubmitted is called by flush after it submitted: it starts mapping
// the submission's timestamps (ok) or drops them (the submission failed).
func (g *Backend) profSubmitted(ok bool) {
	p := g.prof
	s := p.cur
	p.cur = nil
	if s == nil || s.n == 0 {
		if s != nil {
			p.free = append(p.free, s)
		}
		return
	}
	if !ok {
		s.release()
		return
	}
	s.mapped = true
	if err := mapRead(s.read, 8*uint64(s.n), func(st wgpu.BufferMapAsyncStatus) {
		s.status, s.done = st, true
	}); err != nil {
		s.mapError, s.done = err, true
	}
	p.pending = append(p.pending, s)
}

// profCollect reads the timestamps of the submissions that have run;
// with wait it waits for all of them.
func (g *Backend) profCollect(wait bool) error {
	p := g.prof
	g.d.dev.Poll(false, nil)
	var firstErr error
	keep := p.pending[:0]
	for _, s := range p.pending {
		for wait && !s.done {
			g.d.dev.Poll(true, nil)
			if err := g.d.lostErr("profile"); err != nil {
				return err
			}
		}
		if !s.done {
			keep = append(keep, s)
			continue
		}
		if s.mapError == nil && s.status != wgpu.BufferMapAsyncStatus_Success {
			s.mapError = fmt.Errorf("map for reading: %v", s.status)
		}
		if s.mapError != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("gpu: profile: timestamps: %w", s.mapError)
			}
			s.release()
			continue
		}
		data := s.read.GetMappedRange(0, uint(8*s.n))
		tick := func(q int) uint64 { return binary.LittleEndian.Uint64(data[8*q:]) }
		if s == p.calib {
			p.calibTicks = tick(0)
			p.calib = nil
		}
		for j, k := range s.cmds {
			p.ticks[k] = [2]uint64{tick(2 * j), tick(2*j + 1)}
			p.cmds[k].Timed = true
		}
		if err := s.read.Unmap(); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("gpu: profile: unmap timestamps: %w", err)
		}
		p.free = append(p.free, s)
	}
	p.pending = keep
	return firstErr
}

// releaseProfiler frees the query sets of a profile (Close).
func (p *profiler) release() {
	for _, s := range append(p.free, p.pending...) {
		s.release()
	}
	if p.cur != nil {
		p.cur.release()
	}
}
