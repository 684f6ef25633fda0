package ops

import "math"

// GatherImages builds a batch from the byte image store (GatherBackend).
func (c *CPU) GatherImages(dst, images, lut, samples *Tensor, s GatherSpec) error {
	if err := c.mine("gather", dst, images, lut, samples); err != nil {
		return err
	}
	if err := CheckGather(dst, images, lut, samples, s); err != nil {
		return err
	}
	n, oh, ow := dst.shape[0], dst.shape[2], dst.shape[3]
	h, w := s.H, s.W
	top, left := (oh-h)/2, (ow-w)/2
	store, table, smp, out := i32(images), f32(lut), i32(samples), f32(dst)
	per := s.C * oh * ow
	nan := float32(math.NaN())
	for k := range n {
		o := out[k*per : (k+1)*per]
		idx := int(smp[2*k])
		if idx < 0 || idx >= s.Count {
			for i := range o {
				o[i] = nan
			}
			continue
		}
		dy, dx, flip := unpackDraw(smp[2*k+1])
		base := idx * s.C * h * w
		for ch := range s.C {
			t := table[ch*256 : (ch+1)*256]
			for y := range oh {
				row := o[(ch*oh+y)*ow : (ch*oh+y+1)*ow]
				sy := y + dy - s.Pad - top
				for x := range row {
					xx := x
					if flip {
						xx = ow - 1 - x
					}
					sx := xx + dx - s.Pad - left
					if sy < 0 || sy >= h || sx < 0 || sx >= w {
						row[x] = t[0]
						continue
					}
					b := base + (ch*h+sy)*w + sx
					row[x] = t[uint32(store[b/4])>>(8*(b%4))&0xff]
				}
			}
		}
	}
	return nil
}

// MaxGatherBytes returns the largest image store GatherImages takes:
// 2^32 bytes (the CPU backend's memory limits apply to Alloc).
func (c *CPU) MaxGatherBytes() int64 { return math.MaxUint32 }

var _ GatherBackend = (*CPU)(nil)
