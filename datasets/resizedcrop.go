package datasets

import (
	"fmt"
	"math"
)

// DefaultCropScale is the area range of the random resized crop when
// Transform.CropScale is zero: 35% to 100% of the image. torchvision's
// default, 8% to 100%, is meant for ImageNet's large photos; on 32x32
// images it cuts boxes down to 9x9 pixels and blows them up fourfold,
// which leaves too little of a small image to recognize. A third of the
// area keeps boxes of at least about 19x19.
var DefaultCropScale = [2]float64{0.35, 1}

// DefaultCropRatio is the aspect range (width/height) of the random
// resized crop when Transform.CropRatio is zero: 3/4 to 4/3, torchvision's.
var DefaultCropRatio = [2]float64{3.0 / 4, 4.0 / 3}

// cropAttempts is how many boxes are drawn before the centre-crop
// fallback, as in torchvision.
const cropAttempts = 10

// cropParams returns the area and aspect ranges in effect.
func (t Transform) cropParams() (scale, ratio [2]float64) {
	scale, ratio = t.CropScale, t.CropRatio
	if scale == [2]float64{} {
		scale = DefaultCropScale
	}
	if ratio == [2]float64{} {
		ratio = DefaultCropRatio
	}
	return scale, ratio
}

// checkResizedCrop reports whether the crop's ranges make sense.
func (t Transform) checkResizedCrop() error {
	scale, ratio := t.cropParams()
	if !(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1) {
		return fmt.Errorf("datasets: resized crop area range [%v, %v]: want 0 < low <= high <= 1", scale[0], scale[1])
	}
	if !(ratio[0] > 0 && ratio[0] <= ratio[1] && !math.IsInf(ratio[1], 1)) {
		return fmt.Errorf("datasets: resized crop aspect range [%v, %v]: want 0 < low <= high, finite", ratio[0], ratio[1])
	}
	return nil
}

// box is a crop window: its top-left corner and size, in pixels.
type box struct{ top, left, h, w int }

// uniform returns a uniform float64 in [a, b), as torch's uniform_ does:
// a + (b-a)*u.
func (r rng) uniform(a, b float64) float64 {
	u := float64(r.p.Uint64()>>11) * 0x1p-53
	return a + (b-a)*u
}

// resizedCropBox draws a box in an h x w image as torchvision's
// RandomResizedCrop.get_params does: up to cropAttempts times, an area
// fraction uniform in scale and an aspect whose log is uniform in
// log(ratio) give width round(sqrt(area*aspect)) and height
// round(sqrt(area/aspect)) (Python's round, half to even); the first that
// fits is placed uniformly; if none fits, centreCropBox.
func resizedCropBox(h, w int, scale, ratio [2]float64, r rng) box {
	area := float64(h * w)
	logLo, logHi := math.Log(ratio[0]), math.Log(ratio[1])
	for range cropAttempts {
		target := area * r.uniform(scale[0], scale[1])
		aspect := math.Exp(r.uniform(logLo, logHi))
		cw := int(math.RoundToEven(math.Sqrt(target * aspect)))
		ch := int(math.RoundToEven(math.Sqrt(target / aspect)))
		if 0 < cw && cw <= w && 0 < ch && ch <= h {
			top := r.intn(h - ch + 1)
			left := r.intn(w - cw + 1)
			return box{top: top, left: left, h: ch, w: cw}
		}
	}
	return centreCropBox(h, w, ratio)
}

// centreCropBox is torchvision's fallback: the whole image when its
// aspect lies in ratio, otherwise the largest centred box of the nearest
// aspect in ratio.
func centreCropBox(h, w int, ratio [2]float64) box {
	in := float64(w) / float64(h)
	ch, cw := h, w
	switch {
	case in < ratio[0]:
		ch = int(math.RoundToEven(float64(w) / ratio[0]))
	case in > ratio[1]:
		cw = int(math.RoundToEven(float64(h) * ratio[1]))
	}
	return box{top: (h - ch) / 2, left: (w - cw) / 2, h: ch, w: cw}
}

// resizedAugmentation draws sample i's box (in the oh x ow image after
// padding) and flip in epoch from the seed alone.
func resizedAugmentation(seed uint64, epoch, i, oh, ow int, scale, ratio [2]float64) (box, bool) {
	r := newRNG(seed, purposeResizedCrop, uint64(epoch), uint64(i))
	b := resizedCropBox(oh, ow, scale, ratio, r)
	return b, r.p.Uint64()>>63 == 1
}

// taps are the weights of a one-dimensional antialiased bilinear resize:
// output j is the sum over k < n[j] of w[j][k] times input start[j]+k.
type taps struct {
	start, n []int
	w        [][]float32
}

// linearTaps computes the taps of a resize from in to out samples as
// PyTorch's antialiased bilinear interpolation (align_corners=False) does,
// in float32: scale = in/out, a triangle filter stretched by the scale
// when shrinking, the weights normalized to sum 1.
func linearTaps(in, out int) taps {
	scale := float32(in) / float32(out)
	support, inv := float32(1), float32(1)
	if scale >= 1 {
		support, inv = scale, 1/scale
	}
	t := taps{start: make([]int, out), n: make([]int, out), w: make([][]float32, out)}
	flat := make([]float32, out*(int(2*support)+3)) // every output's weights, one after another
	for j := range out {
		center := scale * (float32(j) + 0.5)
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), in)
		ws := flat[: hi-lo : hi-lo]
		flat = flat[hi-lo:]
		var total float32
		for k := range ws {
			x := (float32(k+lo) - center + 0.5) * inv
			if x < 0 {
				x = -x
			}
			if x < 1 {
				ws[k] = 1 - x
			}
			total += ws[k]
		}
		if total != 0 {
			for k := range ws {
				ws[k] /= total
			}
		}
		t.start[j], t.n[j], t.w[j] = lo, hi-lo, ws
	}
	return t
}

// resizeBox writes box b of the padded image to dst (c x oh x ow, in pixel
// units 0..255), resized by antialiased bilinear interpolation, width
// first and then height, as PyTorch does (a dimension whose size does not
// change is copied). src is c x h x w, placed at (top, left) of the
// padded image; pixels outside it are 0 and add nothing to the sums.
func resizeBox(dst []float32, src []uint8, c, h, w, top, left int, b box, oh, ow int) {
	tmp := make([]float32, b.h*ow)
	var tx, ty taps
	if b.w != ow {
		tx = linearTaps(b.w, ow)
	}
	if b.h != oh {
		ty = linearTaps(b.h, oh)
	}
	for ch := range c {
		plane := src[ch*h*w : (ch+1)*h*w]
		for y := range b.h {
			row := tmp[y*ow : (y+1)*ow]
			sy := b.top + y - top
			if sy < 0 || sy >= h {
				clear(row)
				continue
			}
			srow := plane[sy*w : (sy+1)*w]
			x0 := b.left - left // column of srow at the box's left edge
			for x := range row {
				if b.w == ow {
					row[x] = 0
					if sx := x0 + x; sx >= 0 && sx < w {
						row[x] = float32(srow[sx])
					}
					continue
				}
				var s float32
				for k, wt := range tx.w[x] {
					if sx := x0 + tx.start[x] + k; sx >= 0 && sx < w {
						s += float32(float32(srow[sx]) * wt)
					}
				}
				row[x] = s
			}
		}
		out := dst[ch*oh*ow : (ch+1)*oh*ow]
		if b.h == oh {
			copy(out, tmp)
			continue
		}
		for y := range oh {
			row := out[y*ow : (y+1)*ow]
			clear(row)
			for k, wt := range ty.w[y] {
				src := tmp[(ty.start[y]+k)*ow : (ty.start[y]+k+1)*ow]
				for x, v := range src {
					row[x] += float32(v * wt)
				}
			}
		}
	}
}

// applyResizedCrop writes sample i's transformed image src (c x h x w) to
// dst (c x oh x ow) in epoch: pad, random resized crop, flip, scale and
// normalize. The resized values stay in float32 (torchvision rounds them
// back to uint8 when it resizes uint8 images); normalization is the
// lookup table's formula applied to them.
func (t Transform) applyResizedCrop(dst []float32, src []uint8, c, h, w int, seed uint64, epoch, i int) {
	oh, ow := t.outSize(h, w)
	scale, ratio := t.cropParams()
	b, flip := resizedAugmentation(seed, epoch, i, oh, ow, scale, ratio)
	resizeBox(dst, src, c, h, w, (oh-h)/2, (ow-w)/2, b, oh, ow)
	for ch := range c {
		out := dst[ch*oh*ow : (ch+1)*oh*ow]
		if flip && !t.NoFlip {
			for y := range oh {
				row := out[y*ow : (y+1)*ow]
				for x := range ow / 2 {
					row[x], row[ow-1-x] = row[ow-1-x], row[x]
				}
			}
		}
		t.normalize(out, ch)
	}
}

// normalize turns channel ch's values in pixel units into the output
// values, as lut does for whole pixels: ((v/255) - mean) / std in float32.
func (t Transform) normalize(out []float32, ch int) {
	mean, std := float32(0), float32(1)
	if len(t.Mean) == 1 {
		mean, std = t.Mean[0], t.Std[0]
	} else if len(t.Mean) > 0 {
		mean, std = t.Mean[ch], t.Std[ch]
	}
	for k, v := range out {
		x := v / 255
		if len(t.Mean) > 0 {
			x = float32(x-mean) / std
		}
		out[k] = x
	}
}
