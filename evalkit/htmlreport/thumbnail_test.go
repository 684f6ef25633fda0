package htmlreport

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
)

func TestThumbnail(t *testing.T) {
	// Two 2×3 samples; sample 1 is the one drawn.
	grey := &datasets.Split{C: 1, H: 2, W: 3, Labels: []int32{0, 1}, Images: []uint8{0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6}}
	rgb := &datasets.Split{C: 3, H: 2, W: 3, Labels: []int32{0}, Images: make([]uint8, 18)}
	for i := range rgb.Images {
		rgb.Images[i] = uint8(10 * i)
	}
	for _, c := range []struct {
		s       *datasets.Split
		i       int
		x, y    int
		r, g, b uint8
	}{
		{grey, 1, 2, 1, 6, 6, 6},
		{rgb, 0, 1, 1, 40, 100, 160}, // pixel 4 of each plane
	} {
		data, err := Thumbnail(c.s, c.i)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
			t.Fatalf("%d channels: size %v, want 3×2", c.s.C, b)
		}
		got := color.RGBAModel.Convert(img.At(c.x, c.y)).(color.RGBA)
		if got.R != c.r || got.G != c.g || got.B != c.b {
			t.Errorf("%d channels: pixel (%d,%d) = %v, want %d,%d,%d", c.s.C, c.x, c.y, got, c.r, c.g, c.b)
		}
	}
	if _, err := Thumbnail(grey, 2); err == nil {
		t.Error("sample 2 of 2: no error")
	}
	if _, err := Thumbnail(&datasets.Split{C: 2, H: 1, W: 1, Labels: []int32{0}, Images: []uint8{1, 2}}, 0); err == nil {
		t.Error("2 channels: no error")
	}
}
