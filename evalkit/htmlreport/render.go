package htmlreport

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"f4":    f4,
	"pct":   func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
	"raw":   raw,
	"known": finite,
	"png":   pngURI,
	"class": func(names []string, i int) string { return className(names, i) },
	"inc":   func(i int) int { return i + 1 },
	"args":  func(a any, b bool) pair { return pair{a, b} },
	"sub":   func(a, b float64) float64 { return a - b },
}).ParseFS(templateFiles, "templates/*.tmpl"))

// Render writes p as one self-contained HTML document to w.
func Render(w io.Writer, p *Page) error {
	if p == nil {
		return fmt.Errorf("htmlreport: no page to render")
	}
	if err := page.ExecuteTemplate(w, "page", newView(p)); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	return nil
}

// Write renders p to the file path atomically: the file is whole or
// left as it was.
func Write(path string, p *Page) error {
	var b bytes.Buffer
	if err := Render(&b, p); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	return nil
}

// f4 formats a number with four decimals, or an en dash for unknown.
func f4(v float64) string {
	if !finite(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// raw formats a number the way encoding/json writes it in report.json,
// for the data-value attributes that sorting and tests read.
func raw(v float64) string {
	if !finite(v) {
		return ""
	}
	b, _ := json.Marshal(v) // a finite float64 always marshals
	return string(b)
}

func pngURI(b []byte) template.URL {
	// The URL is built here from bytes, never from outside text.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}

func className(names []string, i int) string {
	if i >= 0 && i < len(names) && names[i] != "" {
		return names[i]
	}
	return strconv.Itoa(i)
}

// pair carries two values into a sub-template.
type pair struct {
	A any
	B bool
}
