package plotfont

import (
	"testing"

	_ "gonum.org/v1/plot" // fills font.DefaultCache with the Liberation family
	"gonum.org/v1/plot/font"
)

// TestSameFont checks that the parsed font is the one named FullName and
// that gonum/plot resolves Plot to it, not to its fallback typeface.
func TestSameFont(t *testing.T) {
	f, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	if got := Name(f); got != FullName {
		t.Errorf("Parse gives %q, want %q", got, FullName)
	}
	if !font.DefaultCache.Has(Plot) {
		t.Fatalf("gonum/plot's font cache has no %+v", Plot)
	}
	face := font.DefaultCache.Lookup(Plot, 12)
	if got := Name(face.Face); got != FullName {
		t.Errorf("gonum/plot resolves %+v to %q, want %q", Plot, got, FullName)
	}
	if Name(nil) != "" {
		t.Error(`Name(nil) is not ""`)
	}
}
