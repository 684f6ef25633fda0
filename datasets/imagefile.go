package datasets

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF: the first frame
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// The limits DecodeImage puts on an image's header before it allocates
// the pixels: each side at most MaxImageSide pixels and at most
// MaxImagePixels pixels in all (100 megapixels: a 4-byte-per-pixel image
// of that size takes 400 MB to decode).
const (
	MaxImageSide   = 32768
	MaxImagePixels = 100_000_000
)

// ImageNetMean and ImageNetStd are the per-channel (R, G, B) statistics
// of ImageNet's training images, of pixel/255, that torchvision's
// pretrained models normalize with (`--normalize imagenet`).
var (
	ImageNetMean = []float32{0.485, 0.456, 0.406}
	ImageNetStd  = []float32{0.229, 0.224, 0.225}
)

// DecodeImageFile reads one image file and returns it as channels×size×
// size bytes (channel planes), as DecodeImage does. Errors name the file.
func DecodeImageFile(path string, size, channels int) ([]uint8, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, readErr(path, err)
	}
	out, err := DecodeImage(bytes.NewReader(b), size, channels)
	if err != nil {
		return nil, &ImageError{File: path, Err: err}
	}
	return out, nil
}

// DecodeImage decodes a JPEG, PNG, GIF (first frame), BMP, TIFF or WebP
// image and returns it as channels×size×size bytes (channel planes):
// turned upright by its EXIF orientation (JPEG), converted to RGB
// (channels 3: gray replicated, alpha composited on black, CMYK
// converted) or to luma (channels 1: ITU-R 601, as PIL's convert("L")),
// its short side resized to size with an antialiased bilinear filter and
// the centre size×size cropped, as torchvision's Resize(size) and
// CenterCrop(size) do. The header is checked against MaxImageSide and
// MaxImagePixels before the pixels are decoded.
func DecodeImage(r io.Reader, size, channels int) ([]uint8, error) {
	if size < 1 || size > 4096 {
		return nil, fmt.Errorf("image size %d (want 1 to 4096)", size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("%d channels (want 1 or 3)", channels)
	}
	data, err := io.ReadAll(io.LimitReader(r, 1<<31))
	if err != nil {
		return nil, err
	}
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable image: %w", err)
	}
	if err := checkImageSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %w", kind, err)
	}
	b := img.Bounds()
	if err := checkImageSize(b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	src := toModel(img, channels)
	if kind == "jpeg" {
		src = orient(src, exifOrientation(data))
	}
	return resizeCrop(src, size, channels), nil
}

// checkImageSize refuses empty and absurdly large images.
func checkImageSize(w, h int) error {
	if w < 1 || h < 1 {
		return fmt.Errorf("image of %d×%d pixels", w, h)
	}
	if w > MaxImageSide || h > MaxImageSide || int64(w)*int64(h) > MaxImagePixels {
		return fmt.Errorf("image of %d×%d pixels is too large (at most %d pixels a side and %d in all)", w, h, MaxImageSide, MaxImagePixels)
	}
	return nil
}

// toModel converts img to an *image.Gray (channels 1) or an opaque
// *image.RGBA (channels 3) whose bounds start at (0, 0). Alpha is
// composited on black: the premultiplied colour is kept.
func toModel(img image.Image, channels int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if channels == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		if src, ok := img.(*image.Gray); ok {
			for y := range h {
				copy(g.Pix[y*g.Stride:y*g.Stride+w], src.Pix[(y+b.Min.Y-src.Rect.Min.Y)*src.Stride+(b.Min.X-src.Rect.Min.X):])
			}
			return g
		}
		_, gray16 := img.(*image.Gray16)
		for y := range h {
			for x := range w {
				c := img.At(b.Min.X+x, b.Min.Y+y)
				if gray16 {
					g.Pix[y*g.Stride+x] = uint8(c.(color.Gray16).Y >> 8)
					continue
				}
				r, gg, bb := rgb8(c)
				g.Pix[y*g.Stride+x] = luma(r, gg, bb)
			}
		}
		return g
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				yi, ci := src.YOffset(b.Min.X+x, b.Min.Y+y), src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				o := y*out.Stride + 4*x
				out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = r, g, bb, 255
			}
		}
	default:
		for y := range h {
			for x := range w {
				r, g, bb := rgb8(img.At(b.Min.X+x, b.Min.Y+y))
				o := y*out.Stride + 4*x
				out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = r, g, bb, 255
			}
		}
	}
	return out
}

// rgb8 returns c composited on black, 8 bits a channel (the high byte of
// the 16-bit premultiplied values, rounded).
func rgb8(c color.Color) (r, g, b uint8) {
	r16, g16, b16, _ := c.RGBA()
	return uint8((r16*255 + 32767) / 65535), uint8((g16*255 + 32767) / 65535), uint8((b16*255 + 32767) / 65535)
}

// luma is ITU-R 601's luma in PIL's fixed point: L = R*299/1000 +
// G*587/1000 + B*114/1000, rounded.
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// resizeCrop scales src (bounds at the origin) so that its short side is
// size, the long side torchvision's int(size*long/short), with
// x/image/draw's BiLinear kernel (which widens the kernel by the scale
// factor when shrinking, so that it averages over the source area as
// PIL's resize does), then crops the centre size×size (offsets rounded
// half to even, as Python's round in torchvision's CenterCrop) and
// returns its channel planes.
func resizeCrop(src image.Image, size, channels int) []uint8 {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	nw, nh := size, size
	if w < h {
		nh = int(float64(size) * float64(h) / float64(w))
	} else if h < w {
		nw = int(float64(size) * float64(w) / float64(h))
	}
	nw, nh = max(nw, size), max(nh, size)
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	if nw == w && nh == h {
		draw.Draw(dst, dst.Rect, src, image.Point{}, draw.Src)
	} else {
		draw.BiLinear.Scale(dst, dst.Rect, src, b, draw.Src, nil)
	}
	top := int(math.RoundToEven(float64(nh-size) / 2))
	left := int(math.RoundToEven(float64(nw-size) / 2))
	out := make([]uint8, channels*size*size)
	for c := range channels {
		plane := out[c*size*size : (c+1)*size*size]
		for y := range size {
			row := dst.Pix[(top+y)*dst.Stride+4*left:]
			for x := range size {
				plane[y*size+x] = row[4*x+c]
			}
		}
	}
	return out
}
