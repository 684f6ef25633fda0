package evalkit

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
	"github.com/wgtrain/wgtrain/internal/plotfont"
)

// ConfusionPNG draws the confusion matrix cm (rows the true class,
// columns the predicted one) as a PNG heat map: each cell coloured by its
// share of the true class's row (white 0 to dark blue 1), the count
// written in it while the cells are large enough, the class names along
// both axes (predicted ones rotated, long names abbreviated, every n-th
// name when the cells are too small for all) and the axes labelled. names
// may be nil (classes are then named by index); otherwise it needs one
// name per class. The matrix is about 1000 pixels wide (cells of 64 pixels
// at most); up to 4000 classes can be drawn. Its title is "Confusion
// matrix (N samples)".
func ConfusionPNG(w io.Writer, cm [][]int64, names []string) error {
	return ConfusionPNGTitled(w, cm, names, "")
}

// ConfusionPNGTitled draws cm as ConfusionPNG does, with subject (such as
// Subject("test", 3)) in the title: "Confusion matrix: test split, epoch
// 3 (N samples)"; an empty subject gives ConfusionPNG's title.
func ConfusionPNGTitled(w io.Writer, cm [][]int64, names []string, subject string) error {
	img, err := confusionImage(cm, names, subject)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// WriteConfusionPNG draws cm as ConfusionPNG does and writes the PNG to
// path atomically (a temporary file in the same directory, synced and
// renamed): path has either its old content or the whole new image.
func WriteConfusionPNG(path string, cm [][]int64, names []string) error {
	return WriteConfusionPNGTitled(path, cm, names, "")
}

// WriteConfusionPNGTitled writes the heat map of ConfusionPNGTitled to
// path atomically, as WriteConfusionPNG does.
func WriteConfusionPNGTitled(path string, cm [][]int64, names []string, subject string) error {
	var buf bytes.Buffer
	if err := ConfusionPNGTitled(&buf, cm, names, subject); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return &FileError{"write", path, err}
	}
	return nil
}

// The layout of the heat map, in pixels.
const (
	heatSide     = 1000 // the matrix's side, roughly
	maxCell      = 64
	minCell      = 1
	maxClasses   = 4000 // beyond, the image would take hundreds of megabytes
	maxLabelSize = 14
	minLabelSize = 8
	maxNameRunes = 18
	titleSize    = 18
	axisSize     = 15
	gap          = 8
)

var (
	facesMu sync.Mutex
	faces   = map[float64]font.Face{}
)

// face returns the font of wgtrain's images (internal/plotfont, the one
// curves.png uses too) at size pixels.
func face(size float64) (font.Face, error) {
	sans, err := plotfont.Parse()
	if err != nil {
		return nil, err
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	if f, ok := faces[size]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(sans, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	faces[size] = f
	return f, nil
}

// abbreviate shortens a name to maxNameRunes runes with an ellipsis.
func abbreviate(s string) string {
	if utf8.RuneCountInString(s) <= maxNameRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxNameRunes-1]) + "…"
}

// heatColor maps a share in [0, 1] from near-white to dark blue.
func heatColor(v float64) color.RGBA {
	lo := [3]float64{247, 251, 255}
	hi := [3]float64{8, 48, 107}
	var c [3]uint8
	for i := range c {
		c[i] = uint8(math.Round(lo[i] + (hi[i]-lo[i])*v))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// textWidth returns the advance of s in pixels.
func textWidth(f font.Face, s string) int { return font.MeasureString(f, s).Ceil() }

// drawText draws s with its top-left corner at (x, y).
func drawText(dst draw.Image, f font.Face, s string, x, y int, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: f,
		Dot: fixed.Point26_6{X: fixed.I(x), Y: fixed.I(y) + f.Metrics().Ascent}}
	d.DrawString(s)
}

// drawTextUp draws s rotated a quarter turn counter-clockwise (reading
// upwards) with its bounding box's top-left corner at (x, y).
func drawTextUp(dst draw.Image, f font.Face, s string, x, y int, c color.Color) {
	w, h := textWidth(f, s), f.Metrics().Height.Ceil()
	if w <= 0 || h <= 0 {
		return
	}
	flat := image.NewAlpha(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: flat, Src: image.Opaque, Face: f, Dot: fixed.Point26_6{Y: f.Metrics().Ascent}}
	d.DrawString(s)
	up := image.NewAlpha(image.Rect(0, 0, h, w))
	for sy := 0; sy < h; sy++ {
		for sx := 0; sx < w; sx++ {
			up.SetAlpha(sy, w-1-sx, flat.AlphaAt(sx, sy))
		}
	}
	r := image.Rect(x, y, x+h, y+w)
	draw.DrawMask(dst, r, image.NewUniform(c), image.Point{}, up, image.Point{}, draw.Over)
}

func confusionImage(cm [][]int64, names []string, subject string) (*image.RGBA, error) {
	c := len(cm)
	if c == 0 {
		return nil, &InputError{"ConfusionPNG", "empty confusion matrix"}
	}
	if c > maxClasses {
		return nil, &InputError{"ConfusionPNG", fmt.Sprintf("%d classes: at most %d can be drawn", c, maxClasses)}
	}
	for y, row := range cm {
		if len(row) != c {
			return nil, &InputError{"ConfusionPNG", fmt.Sprintf("row %d has %d columns, want %d", y, len(row), c)}
		}
		for _, v := range row {
			if v < 0 {
				return nil, &InputError{"ConfusionPNG", fmt.Sprintf("row %d: negative count %d", y, v)}
			}
		}
	}
	if names != nil && len(names) != c {
		return nil, &InputError{"ConfusionPNG", fmt.Sprintf("%d names for %d classes", len(names), c)}
	}
	labels := make([]string, c)
	for k := range labels {
		if names != nil {
			labels[k] = abbreviate(names[k])
		} else {
			labels[k] = strconv.Itoa(k)
		}
	}
	norm := NormalizeRows(cm)
	var total, maxCount int64
	for _, row := range cm {
		for _, v := range row {
			total += v
			maxCount = max(maxCount, v)
		}
	}

	cell := min(max(heatSide/c, minCell), maxCell)
	side := cell * c
	// Class names: as large as a cell allows; every step-th one when the
	// cells are smaller than the smallest readable size.
	labelSize := min(float64(maxLabelSize), math.Floor(float64(cell)*0.9))
	step := 1
	if labelSize < minLabelSize {
		labelSize = minLabelSize
		step = int(math.Ceil(float64(minLabelSize+2) / float64(cell)))
	}
	lf, err := face(labelSize)
	if err != nil {
		return nil, err
	}
	tf, err := face(titleSize)
	if err != nil {
		return nil, err
	}
	af, err := face(axisSize)
	if err != nil {
		return nil, err
	}
	// Counts in the cells: the largest size up to 14 px at which the
	// widest count fits; none when that is below 7 px.
	var cf font.Face
	for size := min(14.0, math.Floor(float64(cell)*0.45)); size >= 7; size-- {
		f, err := face(size)
		if err != nil {
			return nil, err
		}
		if textWidth(f, strconv.FormatInt(maxCount, 10)) <= cell-4 && f.Metrics().Height.Ceil() <= cell-2 {
			cf = f
			break
		}
	}

	labelW := 0
	for k := 0; k < c; k += step {
		labelW = max(labelW, textWidth(lf, labels[k]))
	}
	axisH := af.Metrics().Height.Ceil()
	titleH := tf.Metrics().Height.Ceil()
	left := gap + axisH + gap + labelW + gap
	top := gap + titleH + gap
	barW := 16
	right := gap*2 + barW + gap + textWidth(lf, "100%") + gap
	bottom := gap + labelW + gap + axisH + gap
	title := fmt.Sprintf("Confusion matrix (%d samples)", total)
	if subject != "" {
		title = fmt.Sprintf("Confusion matrix: %s (%d samples)", subject, total)
	}
	// The title is centred over the matrix, moved right and the image
	// widened as far as it needs to fit whole.
	titleW := textWidth(tf, title)
	titleX := max(left+(side-titleW)/2, gap)
	img := image.NewRGBA(image.Rect(0, 0, max(left+side+right, titleX+titleW+gap), top+side+bottom))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := color.Black
	drawText(img, tf, title, titleX, gap, black)

	for y := 0; y < c; y++ {
		for p := 0; p < c; p++ {
			r := image.Rect(left+p*cell, top+y*cell, left+(p+1)*cell, top+(y+1)*cell)
			draw.Draw(img, r, image.NewUniform(heatColor(norm[y][p])), image.Point{}, draw.Src)
			if cf != nil {
				s := strconv.FormatInt(cm[y][p], 10)
				var tc color.Color = black
				if norm[y][p] > 0.5 {
					tc = color.White
				}
				tx := r.Min.X + (cell-textWidth(cf, s))/2
				ty := r.Min.Y + (cell-cf.Metrics().Height.Ceil())/2
				drawText(img, cf, s, tx, ty, tc)
			}
		}
	}
	// Grid lines between cells while they are large enough.
	if cell >= 16 {
		grey := image.NewUniform(color.Gray{200})
		for k := 0; k <= c; k++ {
			draw.Draw(img, image.Rect(left+k*cell, top, left+k*cell+1, top+side), grey, image.Point{}, draw.Src)
			draw.Draw(img, image.Rect(left, top+k*cell, left+side, top+k*cell+1), grey, image.Point{}, draw.Src)
		}
	}

	lh := lf.Metrics().Height.Ceil()
	for k := 0; k < c; k += step {
		s := labels[k]
		// True classes, right-aligned left of their row.
		drawText(img, lf, s, left-gap-textWidth(lf, s), top+k*cell+(cell-lh)/2, black)
		// Predicted classes, reading upwards below their column.
		drawTextUp(img, lf, s, left+k*cell+(cell-lh)/2, top+side+gap+labelW-textWidth(lf, s), black)
	}
	drawTextUp(img, af, "True class", gap, top+(side-textWidth(af, "True class"))/2, black)
	pred := "Predicted class"
	drawText(img, af, pred, left+(side-textWidth(af, pred))/2, top+side+gap+labelW+gap, black)

	// Colour bar: share of the true class.
	bx := left + side + 2*gap
	for py := 0; py < side; py++ {
		v := 1 - float64(py)/float64(max(side-1, 1))
		draw.Draw(img, image.Rect(bx, top+py, bx+barW, top+py+1), image.NewUniform(heatColor(v)), image.Point{}, draw.Src)
	}
	drawText(img, lf, "100%", bx+barW+gap/2, top, black)
	drawText(img, lf, "0%", bx+barW+gap/2, top+side-lh, black)
	return img, nil
}
