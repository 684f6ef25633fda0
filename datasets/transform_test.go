package datasets

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// goldenCase is one case of testdata/transform/golden.json, computed with
// PyTorch by testdata/gen_transform_golden.py.
type goldenCase struct {
	Name       string
	C, H, W, K int
	Mean, Std  []float32
	Crop       []int
	Flip       bool
	File       string
}

// The transform matches torchvision's pipeline bit for bit: pad, crop,
// flip, x.float().div(255), x.sub_(mean).div_(std).
func TestTransformMatchesPyTorch(t *testing.T) {
	var golden struct{ Cases []goldenCase }
	b, err := os.ReadFile("testdata/transform/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 6 {
		t.Fatalf("%d golden cases", len(golden.Cases))
	}
	for _, g := range golden.Cases {
		t.Run(g.Name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/transform", g.File))
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(raw)/4)
			for i := range want {
				want[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			img := make([]uint8, 0, g.C*g.H*g.W)
			for c := range g.C {
				for y := range g.H {
					for x := range g.W {
						img = append(img, uint8((c*101+y*7+x*3+g.K)%256))
					}
				}
			}
			tf := Transform{Mean: g.Mean, Std: g.Std, PadTo: 32}
			if err := tf.check(g.C, g.H, g.W); err != nil {
				t.Fatal(err)
			}
			a := noCrop
			if g.Crop != nil {
				a = crop{dy: g.Crop[0], dx: g.Crop[1]}
			}
			a.flip = g.Flip
			got := make([]float32, g.C*32*32)
			tf.apply(got, img, g.C, g.H, g.W, tf.lut(g.C), a)
			if len(got) != len(want) {
				t.Fatalf("%d values, want %d", len(got), len(want))
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					c, y, x := i/1024, i/32%32, i%32
					t.Fatalf("channel %d row %d column %d: %v, PyTorch %v", c, y, x, got[i], want[i])
				}
			}
		})
	}
}

func TestDefaultTransform(t *testing.T) {
	for name, want := range map[string][2][]float32{
		"cifar10":       {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}},
		"cifar100":      {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}},
		"fashion-mnist": {{0.2860}, {0.3530}},
		"mnist":         {{0.1307}, {0.3081}},
	} {
		tf := DefaultTransform(name)
		if tf.PadTo != 32 || tf.Augment || len(tf.Mean) != len(want[0]) {
			t.Fatalf("%s: %+v", name, tf)
		}
		for i := range want[0] {
			if tf.Mean[i] != want[0][i] || tf.Std[i] != want[1][i] {
				t.Errorf("%s: mean %v std %v, want %v %v", name, tf.Mean, tf.Std, want[0], want[1])
			}
		}
	}
	// Padding is done on the uint8 image: a padded pixel is pixel 0
	// normalized, -mean/std.
	tf := DefaultTransform("fashion-mnist")
	out := make([]float32, 32*32)
	tf.apply(out, make([]uint8, 28*28), 1, 28, 28, tf.lut(1), noCrop)
	if want := float32(-0.2860) / 0.3530; math.Abs(float64(out[0]-want)) > 1e-6 {
		t.Errorf("corner %v, want %v", out[0], want)
	}
}

func TestTransformCheck(t *testing.T) {
	for _, c := range []struct {
		tf      Transform
		c, h, w int
		ok      bool
	}{
		{DefaultTransform("cifar10"), 3, 32, 32, true},
		{DefaultTransform("cifar10"), 1, 28, 28, false},   // 3 means, 1 channel
		{DefaultTransform("mnist"), 3, 32, 32, true},      // one mean for all
		{Transform{PadTo: 16}, 1, 28, 28, false},          // smaller than the image
		{Transform{Mean: []float32{0}}, 1, 28, 28, false}, // no std
		{Transform{Mean: []float32{0}, Std: []float32{0}}, 1, 1, 1, false},
		{Transform{}, 3, 40, 40, true}, // no padding, no normalization
	} {
		if err := c.tf.check(c.c, c.h, c.w); (err == nil) != c.ok {
			t.Errorf("%+v on %dx%dx%d: %v", c.tf, c.c, c.h, c.w, err)
		}
	}
}

// Augmentation draws crops uniformly over the 9x9 offsets and flips
// about half the time.
func TestAugmentationSpread(t *testing.T) {
	var dy, dx [2*CropPad + 1]int
	flips := 0
	const n = 9000
	for i := range n {
		a := augmentation(42, 3, i)
		dy[a.dy]++
		dx[a.dx]++
		if a.flip {
			flips++
		}
	}
	for k := range dy {
		if dy[k] < 850 || dy[k] > 1150 || dx[k] < 850 || dx[k] > 1150 {
			t.Errorf("offset %d drawn %d (dy) and %d (dx) times of %d", k, dy[k], dx[k], n)
		}
	}
	if flips < 4300 || flips > 4700 {
		t.Errorf("%d flips of %d", flips, n)
	}
	if augmentation(42, 3, 5) != augmentation(42, 3, 5) || augmentation(42, 3, 5) == augmentation(42, 4, 5) && augmentation(42, 3, 6) == augmentation(42, 4, 6) {
		t.Error("augmentation is not a function of (seed, epoch, sample)")
	}
}
