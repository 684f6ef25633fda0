// Package shaders holds the WGSL compute shaders of the WebGPU backend,
// embedded in the binary so that wgtrain stays one file.
//
// Every shader follows one binding convention, which package gpu relies
// on: binding 0 of group 0 is a uniform block of per-dispatch parameters
// (named p, all fields 32-bit scalars), and bindings 1, 2, ... are the
// storage buffers, all declared var<storage, read_write>, in the order the
// dispatching code passes them. Package gpu builds each file's bind group
// layout from these declarations (not from what an entry point uses), so
// that an output may alias an input: WebGPU rejects one buffer bound both
// read-only and writable in a dispatch. Binding numbers have no gaps.
//
// Elementwise shaders fold a flat index out of a two-dimensional grid
// (global_invocation_id.x + global_invocation_id.y * p.row), since one
// dispatch dimension holds at most 65,535 workgroups.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.wgsl
var files embed.FS

// Source returns the WGSL text of the named shader ("add" for add.wgsl).
func Source(name string) (string, error) {
	b, err := files.ReadFile(name + ".wgsl")
	if err != nil {
		return "", fmt.Errorf("shaders: no shader named %q", name)
	}
	return string(b), nil
}

// Names lists every embedded shader, sorted.
func Names() []string {
	var names []string
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".wgsl"))
	}
	sort.Strings(names)
	return names
}
