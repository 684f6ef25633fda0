package datasets

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// resizeTolerance is the largest difference, in pixel units (0..255),
// allowed between resizeBox and torchvision's antialiased bilinear
// resized_crop: both compute in float32, in orders that differ by a few
// units in the last place (3e-5 measured).
const resizeTolerance = 1e-4

// fixtureImage is scripts/gen_resizedcrop.py's image.
func fixtureImage(c, h, w, k int) []uint8 {
	img := make([]uint8, 0, c*h*w)
	for ch := range c {
		for y := range h {
			for x := range w {
				img = append(img, uint8((ch*101+y*37+x*59+(x*y)%13+k)%256))
			}
		}
	}
	return img
}

// The resize of a fixed box matches torchvision's resized_crop(...,
// antialias=True) on the same float image.
func TestResizeBoxMatchesTorchvision(t *testing.T) {
	var fx struct {
		Cases []struct {
			Name          string
			C, H, W, K, S int
			Box           []int
			File          string
		}
	}
	b, err := os.ReadFile("testdata/resizedcrop/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 5 {
		t.Fatalf("%d cases", len(fx.Cases))
	}
	for _, g := range fx.Cases {
		t.Run(g.Name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/resizedcrop", g.File))
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(raw)/4)
			for i := range want {
				want[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			if len(want) != g.C*g.S*g.S {
				t.Fatalf("%d values in %s, want %d", len(want), g.File, g.C*g.S*g.S)
			}
			bx := box{top: g.Box[0], left: g.Box[1], h: g.Box[2], w: g.Box[3]}
			got := make([]float32, len(want))
			resizeBox(got, fixtureImage(g.C, g.H, g.W, g.K), g.C, g.H, g.W, 0, 0, bx, g.S, g.S)
			worst := 0.0
			for i := range got {
				d := math.Abs(float64(got[i]) - float64(want[i]))
				if d > resizeTolerance {
					c, y, x := i/(g.S*g.S), i/g.S%g.S, i%g.S
					t.Fatalf("channel %d row %d column %d: %v, torchvision %v", c, y, x, got[i], want[i])
				}
				worst = max(worst, d)
			}
			t.Logf("largest difference %.3g", worst)
		})
	}
}

// Zero padding before the resized crop is the same as resizing an image
// padded by hand.
func TestResizeBoxPadding(t *testing.T) {
	src := fixtureImage(1, 28, 28, 3)
	padded := make([]uint8, 32*32)
	for y := range 28 {
		copy(padded[(y+2)*32+2:], src[y*28:(y+1)*28])
	}
	for _, bx := range []box{{0, 0, 32, 32}, {0, 1, 19, 23}, {9, 13, 23, 19}, {30, 30, 2, 2}} {
		got := make([]float32, 32*32)
		want := make([]float32, 32*32)
		resizeBox(got, src, 1, 28, 28, 2, 2, bx, 32, 32)
		resizeBox(want, padded, 1, 32, 32, 0, 0, bx, 32, 32)
		if !slices.Equal(got, want) {
			t.Errorf("box %+v: the padded image resizes otherwise", bx)
		}
	}
}

// Over many draws the boxes lie in the image, with the area and aspect
// ranges asked for (up to the rounding of the sides), and cover them.
func TestResizedCropBoxStatistics(t *testing.T) {
	for _, tc := range []struct {
		h, w         int
		scale, ratio [2]float64
	}{
		{32, 32, DefaultCropScale, DefaultCropRatio},
		{32, 32, [2]float64{0.08, 1}, DefaultCropRatio},
		{24, 40, [2]float64{0.2, 0.6}, [2]float64{0.5, 2}},
	} {
		area := float64(tc.h * tc.w)
		minF, maxF, minA, maxA := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		tops, lefts := map[int]bool{}, map[int]bool{}
		for i := range 4000 {
			b := resizedCropBox(tc.h, tc.w, tc.scale, tc.ratio, newRNG(5, purposeResizedCrop, 0, uint64(i)))
			if b.h <= 0 || b.w <= 0 || b.top < 0 || b.left < 0 || b.top+b.h > tc.h || b.left+b.w > tc.w {
				t.Fatalf("%dx%d: box %+v outside the image", tc.h, tc.w, b)
			}
			h, w := float64(b.h), float64(b.w)
			if (h-0.5)*(w-0.5) > tc.scale[1]*area || (h+0.5)*(w+0.5) < tc.scale[0]*area {
				t.Fatalf("%dx%d: box %+v has area fraction %.3f, want %v", tc.h, tc.w, b, h*w/area, tc.scale)
			}
			if (w-0.5)/(h+0.5) > tc.ratio[1] || (w+0.5)/(h-0.5) < tc.ratio[0] {
				t.Fatalf("%dx%d: box %+v has aspect %.3f, want %v", tc.h, tc.w, b, w/h, tc.ratio)
			}
			minF, maxF = min(minF, h*w/area), max(maxF, h*w/area)
			minA, maxA = min(minA, w/h), max(maxA, w/h)
			if b.h < tc.h/2 {
				tops[b.top] = true
				lefts[b.left] = true
			}
		}
		if minF > tc.scale[0]+0.03 || maxF < tc.scale[1]-0.05 {
			t.Errorf("%dx%d scale %v: area fractions only from %.3f to %.3f", tc.h, tc.w, tc.scale, minF, maxF)
		}
		if minA > tc.ratio[0]*1.1 || maxA < tc.ratio[1]/1.1 {
			t.Errorf("%dx%d ratio %v: aspects only from %.3f to %.3f", tc.h, tc.w, tc.ratio, minA, maxA)
		}
		if tc.scale[0] < 0.25 && (!tops[0] || !lefts[0] || len(tops) < tc.h/2 || len(lefts) < tc.w/2) {
			t.Errorf("%dx%d scale %v: small boxes start on only %d rows and %d columns", tc.h, tc.w, tc.scale, len(tops), len(lefts))
		}
	}
}

// When no drawn box fits, the box is torchvision's centred fallback.
func TestResizedCropFallback(t *testing.T) {
	// An aspect of 4 to 5 with at least 90% of a square's area never
	// fits: every draw falls back to the widest centred 4:1 box.
	for i := range 50 {
		b := resizedCropBox(32, 32, [2]float64{0.9, 1}, [2]float64{4, 5}, newRNG(1, purposeResizedCrop, 0, uint64(i)))
		if want := (box{top: 12, left: 0, h: 8, w: 32}); b != want {
			t.Fatalf("draw %d: %+v, want %+v", i, b, want)
		}
	}
	for _, tc := range []struct {
		h, w int
		want box
	}{
		{40, 20, box{top: 6, left: 0, h: 27, w: 20}},  // too tall: 20/(3/4) = 26.67 rows
		{10, 40, box{top: 0, left: 13, h: 10, w: 13}}, // too wide: 10*(4/3) = 13.3 columns
		{30, 32, box{top: 0, left: 0, h: 30, w: 32}},  // in range: the whole image
		{6, 15, box{top: 0, left: 3, h: 6, w: 8}},     // 6*(4/3) = 8 exactly
	} {
		if got := centreCropBox(tc.h, tc.w, DefaultCropRatio); got != tc.want {
			t.Errorf("%dx%d: %+v, want %+v", tc.h, tc.w, got, tc.want)
		}
	}
	// Sides are rounded half to even, as Python's round: 5/2 = 2.5 gives 2.
	if got, want := centreCropBox(5, 5, [2]float64{2, 4}), (box{top: 1, left: 0, h: 2, w: 5}); got != want {
		t.Errorf("5x5 with aspect 2 to 4: %+v, want %+v", got, want)
	}
}

// The augmentation is a function of (seed, epoch, sample) alone.
func TestResizedCropDeterministic(t *testing.T) {
	scale, ratio := DefaultCropScale, DefaultCropRatio
	sameEpoch, flips := 0, 0
	const n = 2000
	for i := range n {
		b1, f1 := resizedAugmentation(9, 3, i, 32, 32, scale, ratio)
		b2, f2 := resizedAugmentation(9, 3, i, 32, 32, scale, ratio)
		if b1 != b2 || f1 != f2 {
			t.Fatalf("sample %d: %+v %v, then %+v %v", i, b1, f1, b2, f2)
		}
		if b3, f3 := resizedAugmentation(9, 4, i, 32, 32, scale, ratio); b3 == b1 && f3 == f1 {
			sameEpoch++
		}
		if f1 {
			flips++
		}
	}
	if sameEpoch > n/50 {
		t.Errorf("%d of %d samples have the same crop in epochs 3 and 4", sameEpoch, n)
	}
	if flips < n*45/100 || flips > n*55/100 {
		t.Errorf("%d of %d samples flipped", flips, n)
	}

	s := &Split{Name: "train", Images: cifarImages(0, 37), Labels: make([]int32, 37), C: 3, H: 32, W: 32}
	tf := DefaultTransform("cifar10")
	tf.Augment, tf.ResizedCrop = true, true
	opts := func(prefetch int, tf Transform) LoaderOptions {
		return LoaderOptions{BatchSize: 6, Shuffle: true, Seed: 77, Transform: tf, Prefetch: prefetch}
	}
	sync, err := NewLoader(s, opts(-1, tf))
	if err != nil {
		t.Fatal(err)
	}
	ref := collect(t, sync, 4, 0, false)
	l, _ := NewLoader(s, opts(3, tf))
	if got := collect(t, l, 4, 0, true); !equalBatches(got, ref) {
		t.Error("prefetching gave other batches")
	}
	if got := collect(t, l, 4, 2, true); !equalBatches(got, ref[2:]) {
		t.Error("skipping 2 batches gave other batches")
	}
	if equalBatches(collect(t, sync, 5, 0, false), ref) {
		t.Error("epoch 5 is epoch 4 again")
	}
	padded := tf
	padded.ResizedCrop = false
	p, _ := NewLoader(s, opts(-1, padded))
	if equalBatches(collect(t, p, 4, 0, false), ref) {
		t.Error("the resized crop gave the padded crop's batches")
	}
	// Without Augment, ResizedCrop changes nothing.
	off := tf
	off.Augment = false
	a, _ := NewLoader(s, opts(-1, off))
	b, _ := NewLoader(s, opts(-1, DefaultTransform("cifar10")))
	if !equalBatches(collect(t, a, 4, 0, false), collect(t, b, 4, 0, false)) {
		t.Error("ResizedCrop without Augment changed the batches")
	}
}

// A sample is its box resized, mirrored when the flip is drawn, and
// normalized as the lookup table does.
func TestResizedCropFlip(t *testing.T) {
	tf := DefaultTransform("fashion-mnist")
	tf.Augment, tf.ResizedCrop = true, true
	if err := tf.check(1, 28, 28); err != nil {
		t.Fatal(err)
	}
	src := fixtureImage(1, 28, 28, 50)
	lut := tf.lut(1)
	seen := map[bool]bool{}
	for i := range 40 {
		b, flip := resizedAugmentation(2, 1, i, 32, 32, DefaultCropScale, DefaultCropRatio)
		seen[flip] = true
		plain := make([]float32, 32*32)
		resizeBox(plain, src, 1, 28, 28, 2, 2, b, 32, 32)
		got := make([]float32, 32*32)
		tf.applyResizedCrop(got, src, 1, 28, 28, 2, 1, i)
		for y := range 32 {
			for x := range 32 {
				xx := x
				if flip {
					xx = 31 - x
				}
				want := float32(float32(plain[y*32+xx]/255)-tf.Mean[0]) / tf.Std[0]
				if got[y*32+x] != want {
					t.Fatalf("sample %d (box %+v, flip %v) row %d column %d: %v, want %v", i, b, flip, y, x, got[y*32+x], want)
				}
			}
		}
		// Whole pixels come out as the lookup table's values.
		if b == (box{0, 0, 32, 32}) && !flip && got[0] != lut[0][0] {
			t.Errorf("padding pixel %v, lookup table %v", got[0], lut[0][0])
		}
	}
	if !seen[true] || !seen[false] {
		t.Errorf("flips drawn: %v", seen)
	}
}

func TestResizedCropCheck(t *testing.T) {
	for _, tc := range []struct {
		scale, ratio [2]float64
		ok           bool
	}{
		{[2]float64{}, [2]float64{}, true},
		{[2]float64{0.08, 1}, [2]float64{0.5, 2}, true},
		{[2]float64{0, 1}, [2]float64{}, false},
		{[2]float64{0.5, 0.4}, [2]float64{}, false},
		{[2]float64{0.5, 1.5}, [2]float64{}, false},
		{[2]float64{math.NaN(), 1}, [2]float64{}, false},
		{[2]float64{}, [2]float64{2, 1}, false},
		{[2]float64{}, [2]float64{-1, 1}, false},
		{[2]float64{}, [2]float64{1, math.Inf(1)}, false},
	} {
		tf := Transform{PadTo: 32, Augment: true, ResizedCrop: true, CropScale: tc.scale, CropRatio: tc.ratio}
		if err := tf.check(3, 32, 32); (err == nil) != tc.ok {
			t.Errorf("scale %v ratio %v: error %v", tc.scale, tc.ratio, err)
		}
	}
}

func BenchmarkLoaderResizedCrop(b *testing.B) {
	s := &Split{Name: "train", Images: cifarImages(0, 1024), Labels: make([]int32, 1024), C: 3, H: 32, W: 32}
	tf := DefaultTransform("cifar10")
	tf.Augment, tf.ResizedCrop = true, true
	l, _ := NewLoader(s, LoaderOptions{BatchSize: 256, Shuffle: true, Transform: tf, Prefetch: -1})
	b.SetBytes(int64(len(s.Images)))
	for i := 0; b.Loop(); i++ {
		it := l.Epoch(i, 0)
		for {
			if _, ok, _ := it.Next(); !ok {
				break
			}
		}
	}
}
