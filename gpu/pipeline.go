package gpu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rajveermalviya/go-webgpu/wgpu"
	"github.com/wgtrain/wgtrain/shaders"
)

// pipeline is one compiled compute entry point and the layout of its
// bind group 0.
type pipeline struct {
	name    string
	file    string // the module
	p       *wgpu.ComputePipeline
	layout  *wgpu.BindGroupLayout
	storage int // storage bindings 1..storage
}

// module is one compiled shader file and the explicit layout shared by
// its entry points.
type module struct {
	m       *wgpu.ShaderModule
	bgl     *wgpu.BindGroupLayout
	pl      *wgpu.PipelineLayout
	storage int
}

var bindingRE = regexp.MustCompile(`@group\(0\)\s*@binding\((\d+)\)\s*var<(\w+)(?:,\s*(\w+))?>`)

// layoutOf reads a shader's bindings and checks the package's convention:
// binding 0 is the uniform parameter block, 1..n are read_write storage
// buffers. Layouts are explicit rather than derived from each entry point
// because a derived layout makes a binding that one entry point only reads
// read-only, and WebGPU then rejects the same buffer bound to it and to a
// written binding (an output that aliases an input).
func layoutOf(file, src string) (int, error) {
	seen := map[int]bool{}
	n := 0
	for _, m := range bindingRE.FindAllStringSubmatch(src, -1) {
		k, _ := strconv.Atoi(m[1])
		switch {
		case k == 0 && m[2] == "uniform":
		case k > 0 && m[2] == "storage" && m[3] == "read_write":
			n = max(n, k)
		default:
			return 0, fmt.Errorf("gpu: shader %s.wgsl: binding %d must be %s", file, k, map[bool]string{true: "var<uniform>", false: "var<storage, read_write>"}[k == 0])
		}
		seen[k] = true
	}
	for k := 0; k <= n; k++ {
		if !seen[k] {
			return 0, fmt.Errorf("gpu: shader %s.wgsl: binding %d is missing", file, k)
		}
	}
	return n, nil
}

// moduleFor compiles a shader file and its layout once per variant: half
// is the bit set of its storage bindings that hold binary16 elements
// (half.go).
func (g *Backend) moduleFor(file string, half uint32) (*module, error) {
	mkey := variantKey(file, half)
	if m, ok := g.modules[mkey]; ok {
		return m, nil
	}
	src, err := shaders.Source(file)
	if err != nil {
		return nil, err
	}
	if src, err = variantSource(file, src, half); err != nil {
		return nil, err
	}
	n, err := layoutOf(file, src)
	if err != nil {
		return nil, err
	}
	block, ok := paramBlocks[file]
	if !ok {
		return nil, fmt.Errorf("gpu: shader %s.wgsl has no parameter block in paramBlocks", file)
	}
	if err := matchBlock(src, block); err != nil {
		return nil, fmt.Errorf("gpu: shader %s.wgsl: parameter block: %w", file, err)
	}
	sm, err := g.d.dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{
		Label:          file,
		WGSLDescriptor: &wgpu.ShaderModuleWGSLDescriptor{Code: src},
	})
	if err != nil {
		return nil, fmt.Errorf("gpu: compile shader %s.wgsl: %w", file, err)
	}
	entries := []wgpu.BindGroupLayoutEntry{{
		Binding: 0, Visibility: wgpu.ShaderStage_Compute,
		Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingType_Uniform},
	}}
	for k := 1; k <= n; k++ {
		entries = append(entries, wgpu.BindGroupLayoutEntry{
			Binding: uint32(k), Visibility: wgpu.ShaderStage_Compute,
			Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingType_Storage},
		})
	}
	bgl, err := g.d.dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: file, Entries: entries})
	if err != nil {
		sm.Release()
		return nil, fmt.Errorf("gpu: layout of %s.wgsl: %w", file, err)
	}
	pl, err := g.d.dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: file, BindGroupLayouts: []*wgpu.BindGroupLayout{bgl}})
	if err != nil {
		sm.Release()
		bgl.Release()
		return nil, fmt.Errorf("gpu: pipeline layout of %s.wgsl: %w", file, err)
	}
	m := &module{m: sm, bgl: bgl, pl: pl, storage: n}
	g.modules[mkey] = m
	return m, nil
}

// variantKey names a module or pipeline variant: key itself for the
// all-f32 one, else key#half in hexadecimal.
func variantKey(key string, half uint32) string {
	if half == 0 {
		return key
	}
	return fmt.Sprintf("%s#%x", key, half)
}

// pipelineFor returns the cached pipeline of "file" (entry point main) or
// "file:entry" for the variant half (see moduleFor), compiling it on
// first use. Compilation costs milliseconds to hundreds of milliseconds,
// so each entry point is compiled once per backend and variant.
func (g *Backend) pipelineFor(key string, half uint32) (*pipeline, error) {
	pkey := variantKey(key, half)
	if p, ok := g.pipes[pkey]; ok {
		return p, nil
	}
	file, entry, ok := strings.Cut(key, ":")
	if !ok {
		entry = "main"
	}
	m, err := g.moduleFor(file, half)
	if err != nil {
		return nil, err
	}
	cp, err := g.d.dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{
		Label:   key,
		Layout:  m.pl,
		Compute: wgpu.ProgrammableStageDescriptor{Module: m.m, EntryPoint: entry},
	})
	if err != nil {
		return nil, fmt.Errorf("gpu: create pipeline %s: %w", key, err)
	}
	p := &pipeline{name: key, file: file, p: cp, layout: m.bgl, storage: m.storage}
	g.pipes[pkey] = p
	return p, nil
}
