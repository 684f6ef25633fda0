package datasets

import "fmt"

// CropPad is the padding of the training-time random crop: the image is
// zero-padded by CropPad on every side and a window of its own size is
// cut at a random offset (torchvision's RandomCrop(32, padding=4)).
const CropPad = 4

// Transform turns uint8 images into normalized float32 images.
//
// The steps, in torchvision's order: zero-pad the image, centered, to
// PadTo x PadTo (28x28 MNIST images to the 32x32 the model expects); with
// Augment, random crop with padding CropPad (with ResizedCrop, a random
// resized crop of the padded image instead), then horizontal flip with
// probability 1/2; scale to [0,1] (p/255); normalize each channel,
// (x-Mean[c])/Std[c]. Padding happens on the uint8 image, before
// normalization, so padded pixels are those of value 0 and come out as
// -Mean[c]/Std[c], as when torchvision pads a PIL image before ToTensor
// and Normalize.
type Transform struct {
	Mean, Std []float32 // one value per channel, or one for all; empty: no normalization
	PadTo     int       // output size; 0 keeps the image's own size
	Augment   bool      // random crop with padding CropPad, and horizontal flip
	// NoFlip, with Augment, leaves out the horizontal flip (for digits and
	// text, whose mirror images are not of their class). The crops drawn
	// are the same as with the flip.
	NoFlip bool

	// ResizedCrop, with Augment, replaces the padded random crop by
	// torchvision's RandomResizedCrop: a box of CropScale of the area and
	// CropRatio of aspect, resized back to the output size (bilinear,
	// antialiased), then the flip. Zero CropScale or CropRatio: the
	// defaults DefaultCropScale and DefaultCropRatio.
	ResizedCrop bool
	CropScale   [2]float64 // lowest and highest fraction of the area
	CropRatio   [2]float64 // lowest and highest width/height
}

// DefaultTransform returns the transform for the named data set: pad to
// 32x32, normalize with the tutorial's ImageNet constants for CIFAR
// (mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225), Fashion-MNIST's
// own mean 0.2860 and std 0.3530, or MNIST's 0.1307 and 0.3081; no
// augmentation, as in the tutorial. An unknown name gets padding only.
func DefaultTransform(name string) Transform {
	t := Transform{PadTo: 32}
	if s, ok := specs[name]; ok {
		t.Mean, t.Std = s.mean, s.std
	}
	return t
}

// outSize returns the height and width of the transformed images.
func (t Transform) outSize(h, w int) (int, int) {
	if t.PadTo > 0 {
		return t.PadTo, t.PadTo
	}
	return h, w
}

// check reports whether the transform applies to c x h x w images.
func (t Transform) check(c, h, w int) error {
	if t.PadTo != 0 && (t.PadTo < h || t.PadTo < w) {
		return fmt.Errorf("datasets: transform pads to %d, but the images are %dx%d", t.PadTo, h, w)
	}
	if t.PadTo < 0 {
		return fmt.Errorf("datasets: transform pads to %d", t.PadTo)
	}
	if len(t.Mean) != len(t.Std) {
		return fmt.Errorf("datasets: transform has %d means and %d standard deviations", len(t.Mean), len(t.Std))
	}
	if len(t.Mean) > 1 && len(t.Mean) != c {
		return fmt.Errorf("datasets: transform has %d means for %d channels", len(t.Mean), c)
	}
	for _, s := range t.Std {
		if !(s > 0) {
			return fmt.Errorf("datasets: transform has standard deviation %v", s)
		}
	}
	if t.ResizedCrop {
		return t.checkResizedCrop()
	}
	return nil
}

// lut returns, for each channel, the output value of each pixel value:
// ((p/255) - mean) / std in float32, as torchvision computes it.
func (t Transform) lut(c int) [][256]float32 {
	out := make([][256]float32, c)
	for ch := range out {
		mean, std := float32(0), float32(1)
		if len(t.Mean) == 1 {
			mean, std = t.Mean[0], t.Std[0]
		} else if len(t.Mean) > 0 {
			mean, std = t.Mean[ch], t.Std[ch]
		}
		for p := range 256 {
			x := float32(p) / 255
			if len(t.Mean) > 0 {
				x = float32(x-mean) / std
			}
			out[ch][p] = x
		}
	}
	return out
}

// crop is one sample's augmentation: the crop window's offset in the
// padded image, in [0, 2*CropPad], and whether to flip.
type crop struct {
	dy, dx int
	flip   bool
}

// noCrop leaves the image in place.
var noCrop = crop{dy: CropPad, dx: CropPad}

// augmentation draws sample i's crop in epoch from the seed alone.
func augmentation(seed uint64, epoch, i int) crop {
	h := hash64(seed, purposeAugment, uint64(epoch), uint64(i))
	const span = 2*CropPad + 1
	return crop{
		dy:   int((h & 0xffffffff) * span >> 32),
		dx:   int((h >> 32) * span >> 32),
		flip: mix(h)&1 == 1,
	}
}

// apply writes the transformed image src (c x h x w) to dst (c x oh x ow,
// with oh, ow from outSize), using the lookup table lut.
func (t Transform) apply(dst []float32, src []uint8, c, h, w int, lut [][256]float32, a crop) {
	oh, ow := t.outSize(h, w)
	top, left := (oh-h)/2, (ow-w)/2
	// Output pixel (y, x) shows padded-image pixel (y+dy-CropPad,
	// x'+dx-CropPad), x' = ow-1-x when flipped; that lies in the
	// original image at (that - top, that - left) when inside it.
	for ch := range c {
		plane := src[ch*h*w : (ch+1)*h*w]
		out := dst[ch*oh*ow : (ch+1)*oh*ow]
		zero := lut[ch][0]
		for y := range oh {
			sy := y + a.dy - CropPad - top
			row := out[y*ow : (y+1)*ow]
			if sy < 0 || sy >= h {
				for x := range row {
					row[x] = zero
				}
				continue
			}
			srow := plane[sy*w : (sy+1)*w]
			for x := range row {
				xx := x
				if a.flip && !t.NoFlip {
					xx = ow - 1 - x
				}
				sx := xx + a.dx - CropPad - left
				if sx < 0 || sx >= w {
					row[x] = zero
				} else {
					row[x] = lut[ch][srow[sx]]
				}
			}
		}
	}
}
