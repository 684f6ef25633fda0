package htmlreport

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/citest"
)

// chromium returns Debian's chromium, or fails the test under CI and
// skips it elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	citest.Missing(t, "chromium", "no chromium on PATH (Debian's chromium package; make deps installs it)")
	return ""
}

// headless runs chromium headless on the file with the network off (every
// request goes to a proxy that is not there), logging the console to
// stderr, and returns stdout and the console lines.
func headless(t *testing.T, bin, file string, args ...string) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--proxy-server=127.0.0.1:1", "--proxy-bypass-list=<-loopback>",
		"--enable-logging=stderr", "--v=0", "--window-size=1400,3000"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = t.TempDir()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	var console []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return stdout.String(), console
}

// TestChromiumRendersTheReport opens a report with every section in
// headless chromium: the screenshot is not blank, the DOM after the
// script ran holds every section and the headline numbers, and the
// console is empty.
func TestChromiumRendersTheReport(t *testing.T) {
	bin := chromium(t)
	file := filepath.Join(t.TempDir(), "report.html")
	if err := Write(file, fullPage(t)); err != nil {
		t.Fatal(err)
	}
	dom, console := headless(t, bin, file, "--dump-dom")
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
	if _, console = headless(t, bin, file, "--screenshot="+shot, "--hide-scrollbars"); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	// The headline, tables, charts and thumbnails cover a few percent of
	// the page at the least; a blank or unstyled failure page does not.
	if share := float64(ink) / float64(b.Dx()*b.Dy()); share < 0.02 {
		t.Errorf("screenshot %v: %.2f%% of the pixels are not white, want ≥ 2%%", b, 100*share)
	} else {
		t.Logf("screenshot %v: %.1f%% of the pixels are not white", b, 100*share)
	}
}
