package ops

import "math"

// GatherSpec describes the image store of GatherImages: Count images of
// C x H x W bytes each, and the padding of the random crop.
type GatherSpec struct {
	Count   int // images in the store
	C, H, W int // each image's channels, height and width
	// Pad is the random crop's padding: a sample's offsets dy, dx shift
	// the crop window by dy-Pad rows and dx-Pad columns, so Pad, Pad
	// leaves the image in place.
	Pad int
}

// GatherBackend is implemented by backends that build a batch from a
// data set held on the device as bytes (the CPU and WebGPU backends), so
// that a training step uploads only its sample indices and draws.
type GatherBackend interface {
	Backend
	// GatherImages writes dst (F32 [N, C, OH, OW], OH >= H, OW >= W):
	// sample k is image samples[k][0] of images (I32 [ceil(Count*C*H*W/4)],
	// the bytes of Count NCHW images packed by PackBytes), zero-padded,
	// centered, to OH x OW, its window shifted by the offsets of
	// samples[k][1] (a GatherDraw word) and flipped horizontally when it
	// says so, each byte p of channel c replaced by lut[c][p] (F32
	// [C, 256]); pixels outside the image take lut[c][0]. Output pixel
	// (y, x) shows image pixel (y+dy-Pad-top, x'+dx-Pad-left), with
	// x' = OW-1-x when flipped, top = (OH-H)/2 and left = (OW-W)/2. An
	// index outside [0, Count) makes its sample all NaN (the indices live
	// on the device, so no error can name them).
	GatherImages(dst, images, lut, samples *Tensor, s GatherSpec) error
	// MaxGatherBytes returns the largest image store, in bytes, that
	// GatherImages takes on this device (WebGPU: one storage binding).
	MaxGatherBytes() int64
}

// GatherMaxPad is the largest GatherSpec.Pad: a draw's offsets are bytes.
const GatherMaxPad = 127

// PackBytes packs b four bytes to an int32, little-endian (byte i is
// bits 8*(i%4) .. 8*(i%4)+7 of word i/4), zero-filling the last word: the
// layout of GatherImages' image store.
func PackBytes(b []uint8) []int32 {
	out := make([]int32, (len(b)+3)/4)
	for i, v := range b {
		out[i/4] |= int32(uint32(v) << (8 * (i % 4)))
	}
	return out
}

// GatherDraw packs one sample's crop offsets (each in [0, 255]) and flip
// into the second word of its GatherImages sample: dy in bits 0-7, dx in
// bits 8-15, the flip in bit 16.
func GatherDraw(dy, dx int, flip bool) int32 {
	w := uint32(dy&0xff) | uint32(dx&0xff)<<8
	if flip {
		w |= 1 << 16
	}
	return int32(w)
}

// unpackDraw is the inverse of GatherDraw.
func unpackDraw(w int32) (dy, dx int, flip bool) {
	u := uint32(w)
	return int(u & 0xff), int(u >> 8 & 0xff), u>>16&1 == 1
}

// GatherStoreWords returns the number of int32 words of an image store
// of s.Count images.
func GatherStoreWords(s GatherSpec) int { return (s.Count*s.C*s.H*s.W + 3) / 4 }

// CheckGather validates GatherImages.
func CheckGather(dst, images, lut, samples *Tensor, s GatherSpec) error {
	const op = "gather"
	if s.Count < 1 || s.C < 1 || s.H < 1 || s.W < 1 {
		return errf(op, "spec has %d images of %dx%dx%d", s.Count, s.C, s.H, s.W)
	}
	if s.Pad < 0 || s.Pad > GatherMaxPad {
		return errf(op, "crop padding %d is outside [0, %d]", s.Pad, GatherMaxPad)
	}
	bytes, why := Shape{s.Count, s.C, s.H, s.W}.numel()
	if why != "" || bytes > math.MaxUint32 {
		return errf(op, "an image store of %d images of %dx%dx%d exceeds 2^32 bytes", s.Count, s.C, s.H, s.W)
	}
	if err := need(op, "dst", dst, F32, 4); err != nil {
		return err
	}
	d := dst.shape
	if d[1] != s.C || d[2] < s.H || d[3] < s.W {
		return errf(op, "dst is %s, want [N %d >=%d >=%d]", dst, s.C, s.H, s.W)
	}
	if err := needShape(op, "images", images, I32, Shape{GatherStoreWords(s)}); err != nil {
		return err
	}
	if err := needShape(op, "lut", lut, F32, Shape{s.C, 256}); err != nil {
		return err
	}
	return needShape(op, "samples", samples, I32, Shape{d[0], 2})
}
