package gpu_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/gputest"
)

// With the WebGPU backend, Select names the adapter in one line and warns
// once, in a second line, when it is a software one (lavapipe here).
func TestSelectNamesTheAdapter(t *testing.T) {
	g := gputest.Backend(t)
	a := g.Adapter()
	if got, want := a.Software(), a.Type == "CPU"; got != want {
		t.Fatalf("%s: Software() = %v, want %v", a, got, want)
	}
	var log bytes.Buffer
	b, done, err := gpu.Select("webgpu", gpu.Options{}, &log)
	if err != nil || b.Name() != "webgpu" {
		t.Fatalf("webgpu: %v, %v", b, err)
	}
	done()
	t.Logf("Select printed:\n%s", log.String())
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if !strings.Contains(lines[0], "using WebGPU on "+a.String()) {
		t.Errorf("first line %q does not name the adapter %s", lines[0], a)
	}
	wantLines, warnings := 1, 0
	if a.Software() {
		wantLines = 2
	}
	for _, l := range lines {
		if strings.Contains(l, "warning") && strings.Contains(l, "software adapter") && strings.Contains(l, "--backend cpu") {
			warnings++
		}
	}
	if len(lines) != wantLines || warnings != wantLines-1 {
		t.Errorf("Select printed %q: want %d line(s), %d of them the software warning", log.String(), wantLines, wantLines-1)
	}
}
