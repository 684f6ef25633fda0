package gpu

import (
	"regexp"
	"testing"

	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/shaders"
)

// Every embedded shader follows the binding convention, matches its Go
// parameter block and compiles, and every entry point makes a pipeline,
// so that a broken shader fails here rather than in the middle of a
// training run.
func TestEveryShaderCompiles(t *testing.T) {
	g, err := New(Options{})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	defer g.Close()
	entry := regexp.MustCompile(`@compute[^\n]*\n\s*fn\s+(\w+)`)
	n := 0
	for _, name := range shaders.Names() {
		src, err := shaders.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range entry.FindAllStringSubmatch(src, -1) {
			key := name + ":" + m[1]
			if _, err := g.pipelineFor(key, 0); err != nil {
				t.Errorf("%s: %v", key, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no entry points found")
	}
}

func TestLayoutConvention(t *testing.T) {
	for _, tc := range []struct {
		src  string
		n    int
		fail bool
	}{
		{"@group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(1) var<storage, read_write> a: array<f32>;", 1, false},
		{"@group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(1) var<storage, read> a: array<f32>;", 0, true},
		{"@group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(2) var<storage, read_write> a: array<f32>;", 0, true},
		{"@group(0) @binding(0) var<storage, read_write> a: array<f32>;", 0, true},
	} {
		n, err := layoutOf("t", tc.src)
		if (err != nil) != tc.fail || n != tc.n {
			t.Errorf("layoutOf(%q) = %d, %v; want %d, failure %v", tc.src, n, err, tc.n, tc.fail)
		}
	}
}
