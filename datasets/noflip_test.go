package datasets

import (
	"slices"
	"testing"
)

// TestNoFlip checks that Transform.NoFlip keeps the crop and drops only the
// mirror: a flipped draw gives the unflipped image, for the padded crop
// and for the random resized crop, while without NoFlip it differs.
func TestNoFlip(t *testing.T) {
	const c, h, w = 1, 6, 5
	src := make([]uint8, c*h*w)
	for i := range src {
		src[i] = uint8(i*37 + 11) // no mirror symmetry
	}
	out := func(tf Transform, a crop) []float32 {
		oh, ow := tf.outSize(h, w)
		dst := make([]float32, c*oh*ow)
		tf.apply(dst, src, c, h, w, tf.lut(c), a)
		return dst
	}
	for _, pad := range []int{0, 8} {
		tf := Transform{PadTo: pad, Augment: true}
		flipped, plain := crop{dy: 3, dx: 5, flip: true}, crop{dy: 3, dx: 5}
		if slices.Equal(out(tf, flipped), out(tf, plain)) {
			t.Fatalf("pad %d: the flip changed nothing; the test image is symmetric", pad)
		}
		tf.NoFlip = true
		if got, want := out(tf, flipped), out(tf, plain); !slices.Equal(got, want) {
			t.Errorf("pad %d: NoFlip: a flipped draw gives %v, want the unflipped %v", pad, got, want)
		}
	}
	// The resized crop: find a sample whose draw flips, then compare.
	tf := Transform{PadTo: 8, Augment: true, ResizedCrop: true}
	scale, ratio := tf.cropParams()
	for i := range 64 {
		if _, flip := resizedAugmentation(7, 0, i, 8, 8, scale, ratio); !flip {
			continue
		}
		a, b := make([]float32, 64), make([]float32, 64)
		tf.applyResizedCrop(a, src, c, h, w, 7, 0, i)
		noflip := tf
		noflip.NoFlip = true
		noflip.applyResizedCrop(b, src, c, h, w, 7, 0, i)
		for y := range 8 {
			for x := range 8 {
				if a[y*8+x] != b[y*8+7-x] {
					t.Fatalf("resized crop of sample %d: NoFlip is not the mirror of the flipped image at (%d,%d): %g vs %g", i, y, x, b[y*8+7-x], a[y*8+x])
				}
			}
		}
		return
	}
	t.Fatal("no sample of 64 drew a flip")
}
