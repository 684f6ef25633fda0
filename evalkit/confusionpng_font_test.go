package evalkit

import (
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	plotfont "gonum.org/v1/plot/font"

	wgfont "github.com/wgtrain/wgtrain/internal/plotfont"
)

// TestConfusionFont checks that the heat map's text is set in the font
// that gonum/plot draws curves.png in (internal/plotfont's Plot, which
// trainer's TestCurvesFont checks): the same advance for a sample text at
// several sizes, where Go Regular's differs.
func TestConfusionFont(t *testing.T) {
	_ = plot.DefaultFont // gonum/plot fills its font cache when loaded
	curves := plotfont.DefaultCache.Lookup(wgfont.Plot, 12).Face
	if name := wgfont.Name(curves); name != wgfont.FullName {
		t.Fatalf("curves.png's font is %q, want %q", name, wgfont.FullName)
	}
	goFont, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	const sample = "Confusion matrix (200 samples) T-shirt/top Predicted class 0123456789%"
	for _, size := range []float64{8, 14, 18} {
		f, err := face(size)
		if err != nil {
			t.Fatal(err)
		}
		want := width(t, curves, size, sample)
		if got := textWidth(f, sample); got != want {
			t.Errorf("%v px: the heat map's text is %d px wide, %d in curves.png's font", size, got, want)
		}
		if other := width(t, goFont, size, sample); other == want {
			t.Errorf("%v px: Go Regular is as wide as %s (%d px): the check cannot tell the fonts apart", size, wgfont.FullName, other)
		}
	}
}

// width returns the advance of s in f at size pixels, as face sets it.
func width(t *testing.T, f *opentype.Font, size float64, s string) int {
	t.Helper()
	ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	return font.MeasureString(ff, s).Ceil()
}
