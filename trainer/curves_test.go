package trainer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/wgtrain/wgtrain/internal/plotfont"
)

// curveHistory returns n epochs of a falling loss and a rising accuracy
// for the train and valid loaders.
func curveHistory(n int) []EpochRecord {
	h := make([]EpochRecord, n)
	for i := range h {
		x := float64(i+1) / float64(n)
		h[i] = EpochRecord{Epoch: i + 1, Metrics: map[string]Metrics{
			"train": {"loss": 2 * math.Exp(-3*x), "accuracy01": 1 - 0.8*math.Exp(-4*x)},
			"valid": {"loss": 2*math.Exp(-3*x) + 0.3*x, "accuracy01": 0.9 - 0.7*math.Exp(-4*x)},
		}}
	}
	return h
}

// TestEpochTicksIntegers checks that the epoch axis of curves.png, for
// runs of several lengths, has ticks on whole epochs only, each labelled
// one written as an integer, between 1 and 10 of them, all inside the
// run, and every epoch labelled in runs of up to 10 epochs.
func TestEpochTicksIntegers(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 10, 11, 25, 50, 99, 200, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			_, lay, err := drawCurves(curveHistory(n), "accuracy01", "valid", n)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range lay.plots {
				labelled := map[int]bool{}
				for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
					if tk.Value != math.Trunc(tk.Value) || tk.Value < 1 || tk.Value > float64(n) {
						t.Errorf("%s: tick at %v, not a whole epoch of 1..%d", p.Title.Text, tk.Value, n)
					}
					if tk.Label == "" {
						continue
					}
					if want := strconv.Itoa(int(tk.Value)); tk.Label != want {
						t.Errorf("%s: tick at %v labelled %q, want %q", p.Title.Text, tk.Value, tk.Label, want)
					}
					labelled[int(tk.Value)] = true
				}
				if len(labelled) < 1 || len(labelled) > maxEpochTicks {
					t.Errorf("%s: %d labelled ticks, want 1 to %d", p.Title.Text, len(labelled), maxEpochTicks)
				}
				if n <= maxEpochTicks && len(labelled) != n {
					t.Errorf("%s: labelled epochs %v, want all of 1..%d", p.Title.Text, labelled, n)
				}
			}
		})
	}
}

// TestEpochTicksRanges checks the ticker on ranges that start past 1 or
// hold no whole epoch.
func TestEpochTicksRanges(t *testing.T) {
	for _, r := range [][2]float64{{0.5, 1.5}, {3, 4}, {17, 133}, {0.2, 0.8}, {math.NaN(), 3}} {
		ticks := epochTicks{}.Ticks(r[0], r[1])
		for _, tk := range ticks {
			if tk.Value != math.Trunc(tk.Value) || tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("range %v: tick at %v", r, tk.Value)
			}
		}
		if whole := math.Floor(r[1]) >= math.Ceil(r[0]); whole != (len(ticks) > 0) {
			t.Errorf("range %v: %d ticks", r, len(ticks))
		}
	}
}

// TestValueTicks checks the value axis: between 2 and 7 labelled ticks,
// labels distinct and with no more decimals than the step needs.
func TestValueTicks(t *testing.T) {
	for _, r := range [][2]float64{{0.26, 0.94}, {0.1, 2.3}, {1.18, 2.32}, {0.8875, 0.9855}, {100, 4000}, {-1, 1}} {
		seen := map[string]bool{}
		for _, tk := range (valueTicks{}).Ticks(r[0], r[1]) {
			if tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("range %v: tick at %v outside", r, tk.Value)
			}
			if tk.Label == "" {
				continue
			}
			if seen[tk.Label] {
				t.Errorf("range %v: label %q twice", r, tk.Label)
			}
			seen[tk.Label] = true
			if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-9*math.Max(1, math.Abs(v)) {
				t.Errorf("range %v: tick at %v labelled %q", r, tk.Value, tk.Label)
			}
		}
		if len(seen) < 2 || len(seen) > maxValueTicks {
			t.Errorf("range %v: %d labelled ticks %v", r, len(seen), seen)
		}
	}
}

// render draws curves.png's image and decodes it as the PNG file would be.
func render(t *testing.T, history []EpochRecord, best int) (image.Image, curvesLayout, *vgimg.Canvas) {
	t.Helper()
	img, lay, err := drawCurves(history, "accuracy01", "valid", best)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return dec, lay, img
}

// pixel maps a point of the canvas to the image's pixel.
func pixel(c *vgimg.Canvas, img image.Image, x, y vg.Length) (int, int) {
	s := float64(c.DPI()) / vg.Inch.Points()
	return int(float64(x) * s), img.Bounds().Dy() - 1 - int(float64(y)*s)
}

// near reports whether c is within 40 of want in every channel.
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool { return math.Abs(float64(a>>8)-float64(w)) <= 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// markColumn counts the pixels of the best mark's colour in the pixel
// columns around epoch's x in the data area of panel i.
func markColumn(c *vgimg.Canvas, img image.Image, lay curvesLayout, i, epoch int) (n, height int) {
	p, r := lay.plots[i], lay.data[i]
	x := r.Min.X + vg.Length(p.X.Norm(float64(epoch)))*(r.Max.X-r.Min.X)
	px, top := pixel(c, img, x, r.Max.Y)
	_, bottom := pixel(c, img, x, r.Min.Y)
	for y := top; y <= bottom; y++ {
		for dx := -1; dx <= 1; dx++ {
			if near(img.At(px+dx, y), bestColor) {
				n++
				break
			}
		}
	}
	return n, bottom - top + 1
}

// TestCurvesBestEpochMarked checks that each panel has a dashed vertical
// line of the best mark's colour at the best epoch, over at least a third
// of the data area's height, none at another epoch, and the legend entry
// "best epoch N"; and that without a best epoch the colour appears nowhere.
func TestCurvesBestEpochMarked(t *testing.T) {
	const n, best = 10, 7
	img, lay, c := render(t, curveHistory(n), best)
	if len(lay.plots) != 2 {
		t.Fatalf("%d panels, want loss and accuracy01", len(lay.plots))
	}
	for i := range lay.plots {
		if got, h := markColumn(c, img, lay, i, best); got < h/3 || got == h {
			t.Errorf("panel %d: %d of %d pixels at epoch %d in the mark's colour, want a dashed line", i, got, h, best)
		}
		if got, _ := markColumn(c, img, lay, i, 3); got != 0 {
			t.Errorf("panel %d: %d pixels at epoch 3 in the mark's colour", i, got)
		}
	}
	if want := fmt.Sprintf("best epoch %d", best); len(lay.entries) == 0 || lay.entries[len(lay.entries)-1] != want {
		t.Errorf("legend entries %q, want %q last", lay.entries, want)
	}

	img, lay, _ = render(t, curveHistory(n), 0)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), bestColor) {
				t.Fatalf("no best epoch, but (%d,%d) has the mark's colour", x, y)
			}
		}
	}
	if len(lay.entries) != 2 {
		t.Errorf("no best epoch: legend entries %q, want train and valid", lay.entries)
	}
}

// TestCurvesLegendOutside checks that the legend lies in the image, to
// the right of every panel's data area, and that it is drawn there: its
// extent holds dark (text) pixels and each loader's colour.
func TestCurvesLegendOutside(t *testing.T) {
	for _, n := range []int{1, 2, 10, 200} {
		img, lay, c := render(t, curveHistory(n), n/2+1)
		l := lay.legend
		x0, y0 := pixel(c, img, l.Min.X, l.Max.Y)
		x1, y1 := pixel(c, img, l.Max.X, l.Min.Y)
		r := image.Rect(x0, y0, x1, y1)
		if !r.In(img.Bounds()) || r.Dx() < 50 || r.Dy() < 30 {
			t.Fatalf("%d epochs: legend at %v in an image of %v", n, r, img.Bounds())
		}
		for i, d := range lay.data {
			if l.Min.X < d.Max.X {
				t.Errorf("%d epochs: legend %v reaches into panel %d's data area %v", n, l, i, d)
			}
		}
		dark := 0
		colours := make([]bool, len(curveColors))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				px := img.At(x, y)
				if g := color.GrayModel.Convert(px).(color.Gray); g.Y < 100 {
					dark++
				}
				for k, cc := range curveColors[:2] {
					colours[k] = colours[k] || near(px, cc.(color.RGBA))
				}
			}
		}
		if dark < 50 || !colours[0] || !colours[1] {
			t.Errorf("%d epochs: legend area %v has %d dark pixels, loader colours %v", n, r, dark, colours[:2])
		}
	}
}

// TestCurvesFont checks that every text of curves.png is set in
// plotfont's font, that gonum/plot resolves it to Liberation Sans (and not
// to its serif fallback), the font the confusion matrix parses too (see
// evalkit's TestConfusionFont).
func TestCurvesFont(t *testing.T) {
	_, lay, err := drawCurves(curveHistory(3), "accuracy01", "valid", 2)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, f font.Font) {
		t.Helper()
		if f.Typeface != plotfont.Plot.Typeface || f.Variant != plotfont.Plot.Variant || f.Style != plotfont.Plot.Style || f.Weight != plotfont.Plot.Weight {
			t.Errorf("%s in %+v, want %+v", what, f, plotfont.Plot)
		}
		if name := plotfont.Name(font.DefaultCache.Lookup(f, f.Size).Face); name != plotfont.FullName {
			t.Errorf("%s resolves to %q, want %q", what, name, plotfont.FullName)
		}
	}
	for _, p := range lay.plots {
		check(p.Title.Text+": title", p.Title.TextStyle.Font)
		for _, a := range []*plot.Axis{&p.X, &p.Y} {
			check(p.Title.Text+": "+a.Label.Text+" label", a.Label.TextStyle.Font)
			check(p.Title.Text+": "+a.Label.Text+" ticks", a.Tick.Label.Font)
		}
	}
	check("legend", lay.style)
}

// TestWriteCurves checks the file: a PNG of the drawn image's size.
func TestWriteCurves(t *testing.T) {
	d := RunDir(t.TempDir())
	if err := d.writeCurves(curveHistory(2), "loss", "valid", 2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(string(d), "curves.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// One panel (the valid metric is the loss) and the legend.
	if cfg.Width < 600 || cfg.Width > 900 || cfg.Height != int(panelH.Dots(vgimg.DefaultDPI)) {
		t.Errorf("curves.png is %dx%d", cfg.Width, cfg.Height)
	}
}

// TestCurvesMissingValues checks that NaN values (an F1 with no support
// yet) are left out rather than failing the run's end, that both panels
// still span the run's epochs, and that an empty history draws too.
func TestCurvesMissingValues(t *testing.T) {
	h := curveHistory(4)
	h[0].Metrics["valid"]["accuracy01"] = math.NaN()
	h[1].Metrics["train"]["loss"] = math.Inf(1)
	_, lay, err := drawCurves(h, "accuracy01", "valid", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lay.plots {
		if p.X.Min != 1 || p.X.Max != 4 {
			t.Errorf("%s: epochs %v to %v, want 1 to 4", p.Title.Text, p.X.Min, p.X.Max)
		}
	}
	if _, _, err := drawCurves(nil, "accuracy01", "valid", 0); err != nil {
		t.Errorf("empty history: %v", err)
	}
}
