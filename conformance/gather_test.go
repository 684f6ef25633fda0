package conformance

// The broken gathers that Gather must catch.

import "github.com/wgtrain/wgtrain/ops"

// gatherNoFlip ignores the flip bit of every draw.
type gatherNoFlip struct{ *ops.CPU }

func (b gatherNoFlip) GatherImages(dst, images, lut, samples *ops.Tensor, s ops.GatherSpec) error {
	smp, err := b.DownloadInt(samples)
	if err != nil {
		return err
	}
	for i := 1; i < len(smp); i += 2 {
		smp[i] &^= 1 << 16
	}
	if err := b.UploadInt(samples, smp); err != nil {
		return err
	}
	return b.CPU.GatherImages(dst, images, lut, samples, s)
}

// gatherComputed computes each value as (p/255 - mean)/std from the
// table's two ends instead of copying it: the same number in real
// arithmetic, other float32 roundings.
type gatherComputed struct{ *ops.CPU }

func (b gatherComputed) GatherImages(dst, images, lut, samples *ops.Tensor, s ops.GatherSpec) error {
	if err := b.CPU.GatherImages(dst, images, lut, samples, s); err != nil {
		return err
	}
	table, err := b.Download(lut)
	if err != nil {
		return err
	}
	y, err := b.Download(dst)
	if err != nil {
		return err
	}
	plane := dst.Shape()[2] * dst.Shape()[3]
	for i, v := range y {
		ch := i / plane % s.C
		lo, hi := table[ch*256], table[ch*256+255]
		p := (v - lo) / (hi - lo) * 255 // the pixel value, recovered
		y[i] = lo + p*((hi-lo)/255)
	}
	return b.Upload(dst, y)
}

var gatherMutants = []mutant{
	{"gather_no_flip", Gather, gatherNoFlip{cpu}, []string{"not the same batch bit for bit"}},
	{"gather_computed", Gather, gatherComputed{cpu}, []string{"not the same batch bit for bit"}},
}
