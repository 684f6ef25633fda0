package datasets

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The agreement with torchvision (Pillow's antialiased BILINEAR) that
// TestDecodeImageTorchvision asks of every fixture case: the largest
// absolute difference of a pixel and the mean absolute difference, in
// 0..255 units. JPEG files are decoded by two different decoders (Go's
// image/jpeg, libjpeg) with different IDCTs, hence their looser bound.
const (
	parityMaxDiff     = 1
	parityMeanDiff    = 0.35
	parityMaxDiffJPEG = 3
	parityMeanJPEG    = 0.3
)

// TestDecodeImageTorchvision decodes the committed test images (every
// kind: RGB, gray, paletted, RGBA, 16-bit, CMYK JPEG, EXIF orientations
// 1 to 8, GIF, BMP, TIFF, WebP, upscale, large downscale) and compares
// them with scripts/gen_imagefolder.py's torchvision tensors.
func TestDecodeImageTorchvision(t *testing.T) {
	raw, err := os.ReadFile("testdata/imagefolder.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			File     string
			Size     int
			Channels int
			Pixels   []int
		}
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 20 {
		t.Fatalf("%d fixture cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		got, err := DecodeImageFile(filepath.Join("testdata/images", c.File), c.Size, c.Channels)
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if len(got) != len(c.Pixels) || len(got) != c.Channels*c.Size*c.Size {
			t.Errorf("%s %d×%d×%d: %d bytes, want %d", c.File, c.Channels, c.Size, c.Size, len(got), len(c.Pixels))
			continue
		}
		maxD, sum := 0, 0
		for i, v := range got {
			d := int(v) - c.Pixels[i]
			d = max(d, -d)
			maxD = max(maxD, d)
			sum += d
		}
		mean := float64(sum) / float64(len(got))
		mx, mn := parityMaxDiff, parityMeanDiff
		if strings.HasSuffix(c.File, ".jpg") {
			mx, mn = parityMaxDiffJPEG, parityMeanJPEG
		}
		t.Logf("%-12s S=%-2d C=%d: max |diff| %d, mean %.3f", c.File, c.Size, c.Channels, maxD, mean)
		if maxD > mx || mean > mn {
			t.Errorf("%s S=%d C=%d: max |diff| %d (limit %d), mean %.3f (limit %.1f)", c.File, c.Size, c.Channels, maxD, mx, mean, mn)
		}
	}
}

// TestDecodeImageAlphaOnBlack checks that a transparent pixel becomes
// black and a half-transparent one half its colour.
func TestDecodeImageAlphaOnBlack(t *testing.T) {
	im := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	im.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 0})
	im.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 128})
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	// Size 1 of a 2×1 image: the short side is already 1, so no resampling.
	got, err := DecodeImage(bytes.NewReader(b.Bytes()), 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The crop's left offset is round((2-1)/2) = 0 (half to even): pixel 0.
	if want := []uint8{0, 0, 0}; !bytes.Equal(got, want) {
		t.Errorf("transparent pixel: %v, want %v", got, want)
	}
	im2 := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	im2.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 128})
	b.Reset()
	png.Encode(&b, im2)
	got, err = DecodeImage(bytes.NewReader(b.Bytes()), 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint8{100, 50, 25}; !bytes.Equal(got, want) {
		t.Errorf("half-transparent pixel: %v, want %v", got, want)
	}
}

// TestDecodeImageBad checks the messages of images that cannot be used.
func TestDecodeImageBad(t *testing.T) {
	good, err := os.ReadFile("testdata/images/rgb.png")
	if err != nil {
		t.Fatal(err)
	}
	// A PNG header claiming 100000×100000 pixels, and one claiming 0×0.
	huge := pngHeader(100000, 100000)
	empty := pngHeader(0, 0)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"text", []byte("hello, not an image"), "not a readable image"},
		{"truncated", good[:len(good)/2], "corrupt png image"},
		{"huge", huge, "100000×100000 pixels is too large"},
		{"empty", empty, "not a readable image"},
		{"nothing", nil, "not a readable image"},
	}
	for _, c := range cases {
		_, err := DecodeImage(bytes.NewReader(c.data), 16, 3)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if _, err := DecodeImage(bytes.NewReader(good), 0, 3); err == nil {
		t.Error("size 0: no error")
	}
	if _, err := DecodeImage(bytes.NewReader(good), 16, 2); err == nil {
		t.Error("2 channels: no error")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.png")
	os.WriteFile(p, []byte("GIF89a garbage"), 0o644)
	_, err = DecodeImageFile(p, 8, 3)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("bad file: %v, want its name", err)
	}
	if _, err := DecodeImageFile(filepath.Join(dir, "missing.png"), 8, 3); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("missing file: %v", err)
	}
}

// TestCheckImageSize checks the limits at and beyond their edges.
func TestCheckImageSize(t *testing.T) {
	for _, c := range []struct {
		w, h int
		ok   bool
	}{{1, 1, true}, {MaxImageSide, 100, true}, {MaxImageSide + 1, 1, false}, {0, 5, false}, {10000, 10000, true}, {10000, 10001, false}} {
		if err := checkImageSize(c.w, c.h); (err == nil) != c.ok {
			t.Errorf("%d×%d: %v", c.w, c.h, err)
		}
	}
}

// pngHeader returns a PNG signature and IHDR chunk (with a correct CRC)
// for a w×h 8-bit RGB image, and nothing after.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{'I', 'H', 'D', 'R', byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 2, 0, 0, 0}
	b.Write([]byte{0, 0, 0, 13})
	b.Write(ihdr)
	crc := crc32IEEE(ihdr)
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}

// crc32IEEE is PNG's chunk checksum.
func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
