package htmlreport

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/wgtrain/wgtrain/datasets"
)

// Thumbnail draws sample i of split s as a PNG: grey for one channel,
// RGB for three (the split's planar C×H×W bytes), at its own size (the
// page scales it up without smoothing). Other channel counts and an
// index out of range are errors.
func Thumbnail(s *datasets.Split, i int) ([]byte, error) {
	if s == nil || i < 0 || i >= s.Len() {
		return nil, fmt.Errorf("htmlreport: thumbnail of sample %d: out of range", i)
	}
	px, h, w := s.Image(i), s.H, s.W
	var img image.Image
	switch s.C {
	case 1:
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, px)
		img = g
	case 3:
		rgb := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				k := y*w + x
				rgb.SetRGBA(x, y, color.RGBA{px[k], px[h*w+k], px[2*h*w+k], 255})
			}
		}
		img = rgb
	default:
		return nil, fmt.Errorf("htmlreport: thumbnail of sample %d: %d channels, want 1 or 3", i, s.C)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("htmlreport: thumbnail of sample %d: %w", i, err)
	}
	return b.Bytes(), nil
}
