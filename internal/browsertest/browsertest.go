// Package browsertest opens HTML files in Debian's chromium, headless and
// with the network off, for tests that check a page the way a browser
// shows it: the DOM after its script ran, the console, and a screenshot.
// Without chromium a test fails under CI and skips visibly elsewhere
// (internal/citest).
package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/citest"
)

// Chromium returns the path of chromium, or fails the test under CI and
// skips it elsewhere.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	citest.Missing(t, "chromium", "no chromium on PATH (Debian's chromium package; make deps installs it)")
	return ""
}

// Headless runs chromium (bin) headless on file with the network off
// (every request goes to a proxy that is not there), without the sandbox
// and /dev/shm that containers often lack, logging the console to stderr, and returns its standard output and the console lines.
// args add what to do: "--dump-dom", "--screenshot=PATH".
func Headless(t testing.TB, bin, file string, args ...string) (stdout string, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--proxy-server=127.0.0.1:1", "--proxy-bypass-list=<-loopback>",
		"--enable-logging=stderr", "--v=0", "--window-size=1400,3000"}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+file)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Dir = t.TempDir()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, errOut.String())
	}
	for _, l := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return out.String(), console
}

// InkShare returns the share of a PNG file's pixels that are not (nearly)
// white: a blank page or a failure page without styles has almost none.
func InkShare(t testing.TB, path string) float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
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
	return float64(ink) / float64(b.Dx()*b.Dy())
}
