package gpu

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/shaders"
)

// SpecDefaults holds the WebGPU specification's default limits, the
// figures the issue and docs/SPEC.md §10 quote.
func TestSpecDefaults(t *testing.T) {
	got := SpecDefaults()
	want := Limits{
		Set: "default", BindGroups: 4, StorageBuffersPerStage: 8, WorkgroupStorage: 16384,
		InvocationsPerWorkgroup: 256, WorkgroupSizeX: 256, WorkgroupSizeY: 256, WorkgroupSizeZ: 64,
		WorkgroupsPerDimension: 65535, StorageBindingSize: 128 << 20, BufferSize: 256 << 20,
		StorageOffsetAlignment: 256,
	}
	if got != want {
		t.Fatalf("SpecDefaults() = %+v\nwant %+v", got, want)
	}
}

var (
	wgslConst   = regexp.MustCompile(`(?m)^const\s+(\w+)\s*(?::\s*\w+\s*)?=\s*(\d+)u?\s*;`)
	wgslWGSize  = regexp.MustCompile(`@workgroup_size\(([^)]*)\)`)
	wgslWGArray = regexp.MustCompile(`var<workgroup>\s+\w+\s*:\s*array<(\w+(?:<\w+>)?)\s*,\s*(\w+)\s*>`)
	wgslWGVar   = regexp.MustCompile(`var<workgroup>`)
	wgslEntry   = regexp.MustCompile(`@compute\s+@workgroup_size\([^)]*\)\s*fn\s+(\w+)`)
)

// Every module stays within the spec's default limits, read from its
// source: at most 8 storage bindings, workgroups of at most 256
// invocations (256 x 256 x 64), at most 16,384 bytes of workgroup memory
// (all of a module's var<workgroup> arrays counted together). Pipeline
// creation on a device with the default limits checks the same
// (TestDefaultLimitsDevice and the conformance suite under
// WGTRAIN_GPU_LIMITS=default); this names the module without a device.
func TestShadersFitDefaultLimits(t *testing.T) {
	lim := SpecDefaults()
	for _, name := range shaders.Names() {
		src, err := shaders.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		consts := map[string]int{}
		for _, m := range wgslConst.FindAllStringSubmatch(src, -1) {
			consts[m[1]], _ = strconv.Atoi(m[2])
		}
		value := func(s string) int {
			s = strings.TrimSuffix(strings.TrimSpace(s), "u")
			if v, err := strconv.Atoi(s); err == nil {
				return v
			}
			if v, ok := consts[s]; ok {
				return v
			}
			t.Fatalf("%s.wgsl: cannot read %q as a number or a const", name, s)
			return 0
		}
		n, err := layoutOf(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if n > int(lim.StorageBuffersPerStage) {
			t.Errorf("%s.wgsl binds %d storage buffers, more than %d", name, n, lim.StorageBuffersPerStage)
		}
		sizes := wgslWGSize.FindAllStringSubmatch(src, -1)
		if len(sizes) == 0 {
			t.Errorf("%s.wgsl: no @workgroup_size found", name)
		}
		for _, m := range sizes {
			dims := []int{1, 1, 1}
			for i, s := range strings.Split(m[1], ",") {
				dims[i] = value(s)
			}
			if dims[0]*dims[1]*dims[2] > int(lim.InvocationsPerWorkgroup) || dims[0] > int(lim.WorkgroupSizeX) ||
				dims[1] > int(lim.WorkgroupSizeY) || dims[2] > int(lim.WorkgroupSizeZ) {
				t.Errorf("%s.wgsl: @workgroup_size(%s) exceeds %d invocations or %dx%dx%d", name, m[1],
					lim.InvocationsPerWorkgroup, lim.WorkgroupSizeX, lim.WorkgroupSizeY, lim.WorkgroupSizeZ)
			}
		}
		arrays := wgslWGArray.FindAllStringSubmatch(src, -1)
		if len(arrays) != len(wgslWGVar.FindAllString(src, -1)) {
			t.Errorf("%s.wgsl: a var<workgroup> that is not an array of scalars or vectors", name)
		}
		bytes := 0
		for _, m := range arrays {
			elem := map[string]int{"f32": 4, "u32": 4, "i32": 4, "vec2<f32>": 8, "vec4<f32>": 16}[m[1]]
			if elem == 0 {
				t.Errorf("%s.wgsl: workgroup array of %s, whose size this test does not know", name, m[1])
			}
			bytes += elem * value(m[2])
		}
		t.Logf("%s.wgsl: %d storage bindings, %d bytes of workgroup memory", name, n, bytes)
		if bytes > int(lim.WorkgroupStorage) {
			t.Errorf("%s.wgsl uses %d bytes of workgroup memory, more than %d", name, bytes, lim.WorkgroupStorage)
		}
	}
}

// Options{Limits: "default"} yields a device whose reported limits are
// the spec's defaults, and one that runs every module's pipelines; with
// "adapter" the set is named so.
func TestDefaultLimitsDevice(t *testing.T) {
	g, err := New(Options{Limits: LimitsDefault})
	if errors.Is(err, ErrNoAdapter) {
		citest.Missing(t, "WebGPU", err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := g.Limits(); got != SpecDefaults() {
		t.Fatalf("device limits under %q: %+v\nwant %+v", LimitsDefault, got, SpecDefaults())
	}
	entries := 0
	for _, name := range shaders.Names() {
		src, err := shaders.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range wgslEntry.FindAllStringSubmatch(src, -1) {
			entries++
			if _, err := g.pipelineFor(name+":"+m[1], 0); err != nil {
				t.Errorf("under the default limits: %v", err)
			}
		}
	}
	if entries < len(shaders.Names()) {
		t.Fatalf("found %d entry points in %d modules", entries, len(shaders.Names()))
	}
	t.Setenv(LimitsEnv, LimitsDefault)
	a, err := New(Options{Limits: LimitsAdapter}) // the option wins over the variable
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := a.Limits().Set; got != LimitsAdapter {
		t.Fatalf("Options{Limits: adapter} with %s=default: set %q", LimitsEnv, got)
	}
}

// The limit set comes from the option, else the environment variable,
// else "adapter"; a bad value of either is an error naming it.
func TestLimitSet(t *testing.T) {
	cases := []struct {
		opt, env string
		want     string
		bad      string // a word the error must hold
	}{
		{"", "", "adapter", ""},
		{"", "default", "default", ""},
		{"adapter", "default", "adapter", ""},
		{"default", "", "default", ""},
		{"", "spec", "", LimitsEnv},
		{"max", "", "", `"max"`},
	}
	for _, c := range cases {
		t.Setenv(LimitsEnv, c.env)
		got, err := limitSet(Options{Limits: c.opt})
		switch {
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("limitSet(option %q, %s=%q) = %q, %v; want an error naming %s", c.opt, LimitsEnv, c.env, got, err, c.bad)
		case c.bad == "" && (err != nil || got != c.want):
			t.Errorf("limitSet(option %q, %s=%q) = %q, %v; want %q", c.opt, LimitsEnv, c.env, got, err, c.want)
		}
	}
	t.Setenv(LimitsEnv, "bogus")
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), LimitsEnv) || errors.Is(err, ErrNoAdapter) {
		t.Fatalf("New with %s=bogus: %v, want an error naming the variable", LimitsEnv, err)
	}
}
