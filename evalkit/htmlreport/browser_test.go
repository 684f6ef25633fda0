package htmlreport

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/browsertest"
)

// TestChromiumRendersTheReport opens a report with every section in
// headless chromium: the screenshot is not blank, the DOM after the
// script ran holds every section and the headline numbers, and the
// console is empty.
func TestChromiumRendersTheReport(t *testing.T) {
	bin := browsertest.Chromium(t)
	file := filepath.Join(t.TempDir(), "report.html")
	if err := Write(file, fullPage(t)); err != nil {
		t.Fatal(err)
	}
	dom, console := browsertest.Headless(t, bin, file, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	if !strings.Contains(dom, `<html lang="en" class="js">`) {
		t.Error("the page's script did not run")
	}
	for _, id := range sectionIDs {
		if !strings.Contains(dom, `<section id="`+id+`"`) {
			t.Errorf("the DOM has no section %q", id)
		}
	}
	for _, want := range []string{`data-value="0.8125">0.8125<`, `data-value="0.0421">0.0421<`, "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM lacks %q", want)
		}
	}

	shot := filepath.Join(t.TempDir(), "shot.png")
	if _, console = browsertest.Headless(t, bin, file, "--screenshot="+shot, "--hide-scrollbars"); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	share := browsertest.InkShare(t, shot)
	// The headline, tables, charts and thumbnails cover a few percent of
	// the page at the least; a blank or unstyled failure page does not.
	if share < 0.02 {
		t.Errorf("screenshot: %.2f%% of the pixels are not white, want ≥ 2%%", 100*share)
	} else {
		t.Logf("screenshot: %.1f%% of the pixels are not white", 100*share)
	}
}
