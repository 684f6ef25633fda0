// Package plotfont names the one font that wgtrain draws its images in,
// Liberation Sans Regular: curves.png (trainer, through gonum/plot's font
// cache, which holds the Liberation family) and the confusion matrix heat
// map (evalkit, which parses the same TrueType data itself).
package plotfont

import (
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
)

// FullName is the font's full name, as its name table gives it.
const FullName = "Liberation Sans"

// Plot is the font in gonum/plot's terms: the Liberation typeface's sans
// variant, regular weight and style, as gonum/plot's default font cache
// holds it. Its Size is zero: set it with font.From.
var Plot = font.Font{Typeface: "Liberation", Variant: "Sans"}

var (
	once   sync.Once
	parsed *opentype.Font
	err    error
)

// Parse returns the font parsed from its TrueType data; the result is
// shared and parsed once.
func Parse() (*opentype.Font, error) {
	once.Do(func() { parsed, err = opentype.Parse(liberationsansregular.TTF) })
	return parsed, err
}

// Name returns f's full name from its name table, or "" when it has none.
func Name(f *sfnt.Font) string {
	if f == nil {
		return ""
	}
	s, err := f.Name(nil, sfnt.NameIDFull)
	if err != nil {
		return ""
	}
	return s
}
