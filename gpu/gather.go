package gpu

import "github.com/wgtrain/wgtrain/ops"

// gatherParams is the parameter block of gather.wgsl: one invocation per
// element of the batch.
type gatherParams struct {
	flat
	Count, C, H, W, OH, OW uint32
	Pad, Top, Left         int32
}

// GatherImages builds a batch from the byte image store
// (ops.GatherBackend). The store must fit one storage binding
// (MaxGatherBytes).
func (g *Backend) GatherImages(dst, images, lut, samples *ops.Tensor, s ops.GatherSpec) error {
	const op = "gather"
	bs, done, err := g.begin(op, ops.CheckGather(dst, images, lut, samples, s), dst, images, lut, samples)
	if err != nil {
		return err
	}
	defer done()
	words := ops.GatherStoreWords(s)
	if c := g.bindCap(); 4*uint64(words) > c {
		return opErr(op, "an image store of %d bytes exceeds the device's storage binding of %d bytes", 4*uint64(words), c)
	}
	d := dst.Shape()
	n, oh, ow := d[0], d[2], d[3]
	p := &gatherParams{
		Count: uint32(s.Count), C: uint32(s.C), H: uint32(s.H), W: uint32(s.W), OH: uint32(oh), OW: uint32(ow),
		Pad: int32(s.Pad), Top: int32((oh - s.H) / 2), Left: int32((ow - s.W) / 2),
	}
	total := dst.Numel()
	return g.dispatchFlat(op, "gather", total, 64, float64(total), p,
		out(bs[0], total), in(bs[1], words), in(bs[2], s.C*256), in(bs[3], 2*n))
}

// MaxGatherBytes returns the largest image store GatherImages takes: one
// storage binding of the device.
func (g *Backend) MaxGatherBytes() int64 { return int64(g.bindCap()) }

var _ ops.GatherBackend = (*Backend)(nil)
