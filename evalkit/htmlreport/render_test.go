package htmlreport

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, p *Page) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderEverySection(t *testing.T) {
	html := render(t, fullPage(t))
	for _, id := range sectionIDs {
		if !strings.Contains(html, `<section id="`+id+`"`) {
			t.Errorf("no section %q", id)
		}
	}
	for _, want := range []string{
		`id="stat-accuracy" data-value="0.8125">0.8125<`, `id="stat-ece" data-value="0.0421"`,
		`id="best-epoch">7<`, `best epoch 7`, `data-value="0.1234">0.1234<`, // MCE
		`src="data:image/png;base64,iVBORw0KGgo`, `&lt;script&gt;ale… · AP 0.9000`, `do not keep the thresholds`, `pullover · AP 0.7000`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestRenderLoadsNothingFromTheNetwork(t *testing.T) {
	html := render(t, fullPage(t))
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindString(html); m != "" {
		t.Errorf("the page refers to the network: %q", m)
	}
	for _, bad := range []string{"<link", "@import", "url(", "<iframe", "src=\"http", "<script src"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}

func TestRenderEscapesClassNames(t *testing.T) {
	html := render(t, fullPage(t))
	if n := strings.Count(html, "<script"); n != 1 {
		t.Errorf("%d <script elements, want only the page's own", n)
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the class name <script>alert(1)</script> is not shown escaped")
	}
}

func TestRenderLeavesOutEmptySections(t *testing.T) {
	p := &Page{Accuracy: 0.5, MacroF1: math.NaN(), WeightedF1: math.NaN(), MacroAUC: math.NaN(), ECE: math.NaN(),
		Reliability: &Reliability{}, Thresholds: &ThresholdsCV{Objective: "accuracy"}}
	html := render(t, p)
	for _, id := range sectionIDs[1:] {
		if strings.Contains(html, `id="`+id+`"`) || strings.Contains(html, `href="#`+id+`"`) {
			t.Errorf("section %q shown without data", id)
		}
	}
	if !strings.Contains(html, `id="stat-accuracy"`) {
		t.Error("the accuracy is missing")
	}
	for _, id := range []string{"stat-macro-f1", "stat-ece", "best-epoch", "samples"} {
		if strings.Contains(html, id) {
			t.Errorf("unknown %s shown", id)
		}
	}
	if !strings.Contains(html, "<title>wgtrain report</title>") {
		t.Error("no default title")
	}
}

func TestRenderNilPage(t *testing.T) {
	if err := Render(&bytes.Buffer{}, nil); err == nil {
		t.Error("Render(nil) gave no error")
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	p := fullPage(t)
	if err := Write(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != render(t, p) {
		t.Error("the written file differs from Render's output")
	}
	if err := Write(filepath.Join(dir, "missing", "report.html"), p); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("writing into a missing directory: %v, want an error naming it", err)
	}
}

func TestDecimateKeepsEnds(t *testing.T) {
	xs, ys := make([]float64, 1001), make([]float64, 1001)
	for i := range xs {
		xs[i], ys[i] = float64(i), float64(-i)
	}
	ox, oy := decimate(xs, ys, 300)
	if len(ox) != 300 || ox[0] != 0 || ox[299] != 1000 || oy[299] != -1000 {
		t.Errorf("decimate: %d points from %v to %v", len(ox), ox[0], ox[len(ox)-1])
	}
}

func TestRawMatchesReportJSON(t *testing.T) {
	for v, want := range map[float64]string{0.8125: "0.8125", 1: "1", 0: "0", 1e-7: "1e-7", 2.0 / 3: "0.6666666666666666", math.NaN(): ""} {
		if got := raw(v); got != want {
			t.Errorf("raw(%v) = %q, want %q", v, got, want)
		}
	}
}
