package evalkit

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// darkness counts the pixels in r darker than mid-grey: text or filled
// cells.
func darkness(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g.Y < 128 {
				n++
			}
		}
	}
	return n
}

func TestConfusionPNG(t *testing.T) {
	for _, c := range []int{1, 3, 10, 100, 300, 1500} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			cm := make([][]int64, c)
			names := make([]string, c)
			for y := range cm {
				cm[y] = make([]int64, c)
				cm[y][y] = 90
				cm[y][(y+1)%c] += 10
				names[y] = fmt.Sprintf("class name number %d that is long", y)
			}
			var buf bytes.Buffer
			if err := ConfusionPNG(&buf, cm, names); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			if b.Dx() < 200 || b.Dy() < 200 || b.Dx() > 2500 || b.Dy() > 2500 {
				t.Errorf("size %v", b.Size())
			}
			// Locate the matrix: the diagonal cells are the darkest
			// colour; the first one's top-left corner is the matrix's.
			dark := heatColor(0.9)
			if c == 1 {
				dark = heatColor(1)
			}
			var x0, y0 = -1, -1
		find:
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if r, g, bb, _ := img.At(x, y).RGBA(); r>>8 == uint32(dark.R) && g>>8 == uint32(dark.G) && bb>>8 == uint32(dark.B) {
						x0, y0 = x, y
						break find
					}
				}
			}
			if x0 < 0 {
				t.Fatal("no diagonal cell colour found")
			}
			// Class names left of the matrix and below it, axis titles.
			if darkness(img, image.Rect(0, y0, x0, y0+40)) == 0 {
				t.Error("no row labels left of the matrix")
			}
			if darkness(img, image.Rect(x0, b.Max.Y-200, x0+40, b.Max.Y)) == 0 {
				t.Error("no column labels below the matrix")
			}
			if darkness(img, image.Rect(0, 0, 40, b.Max.Y)) == 0 {
				t.Error("no axis title at the left edge")
			}
		})
	}
}

// TestConfusionPNGCellText: counts are written while cells are large and
// left out when they are small.
func TestConfusionPNGCellText(t *testing.T) {
	for _, tc := range []struct {
		c    int
		text bool
	}{{10, true}, {100, false}} {
		cm := make([][]int64, tc.c)
		for y := range cm {
			cm[y] = make([]int64, tc.c)
			cm[y][(y+1)%tc.c] = 1 // off-diagonal, pale: text is dark on it
			cm[y][y] = 1000
		}
		img, err := confusionImage(cm, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		// The pale cell right of the first diagonal one holds "1" or nothing.
		cell := min(max(heatSide/tc.c, minCell), maxCell)
		var x0, y0 int
		dark := heatColor(1000.0 / 1001)
	find:
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if img.RGBAAt(x, y) == dark {
					x0, y0 = x, y
					break find
				}
			}
		}
		pale := image.Rect(x0+cell+2, y0+2, x0+2*cell-2, y0+cell-2)
		if got := darkness(img, pale) > 0; got != tc.text {
			t.Errorf("%d classes: text in the cell %v, want %v", tc.c, got, tc.text)
		}
	}
}

func TestConfusionPNGBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		cm    [][]int64
		names []string
	}{
		"empty":    {nil, nil},
		"ragged":   {[][]int64{{1, 2}, {3}}, nil},
		"negative": {[][]int64{{-1}}, nil},
		"names":    {[][]int64{{1}}, []string{"a", "b"}},
		"too many": {make([][]int64, maxClasses+1), nil},
	} {
		var buf bytes.Buffer
		if err := ConfusionPNG(&buf, tc.cm, tc.names); err == nil || !strings.Contains(err.Error(), "ConfusionPNG") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// TestWriteConfusionPNG checks that the file holds ConfusionPNG's bytes
// and that a directory that is not there gives a *FileError.
func TestWriteConfusionPNG(t *testing.T) {
	cm, names := [][]int64{{5, 1}, {2, 7}}, []string{"cat", "dog"}
	var want bytes.Buffer
	if err := ConfusionPNG(&want, cm, names); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cm.png")
	if err := WriteConfusionPNG(path, cm, names); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("the file differs from ConfusionPNG's bytes (%v)", err)
	}
	var fe *FileError
	if err := WriteConfusionPNG(filepath.Join(path, "no", "cm.png"), cm, names); !errors.As(err, &fe) {
		t.Errorf("into a missing directory: %v (%T), want a *FileError", err, err)
	}
}
