// Package shaders holds the WGSL compute shaders of the WebGPU backend
// (package gpu), embedded in the binary so that wgtrain stays one file.
//
// # Modules
//
// Each *.wgsl file at the top of the package is a module that package gpu
// compiles, named shaders/<op>*.wgsl for the operation it serves:
// conv2d.wgsl, gemm.wgsl and gemm_sum.wgsl (convolutions and linear
// layers), batchnorm_*.wgsl, maxpool.wgsl, dropout.wgsl, loss_*.wgsl,
// adam.wgsl, sgd.wgsl, argmax.wgsl, gather.wgsl and elementwise_*.wgsl (fill, copy, add, scale
// and ReLU). Names lists them; Source returns one ready to compile.
//
// # Snippets
//
// WGSL has no include, so code that several modules share lives in
// snippets, the files in include/, which are not modules and are never
// compiled alone:
//
//   - include/tree.wgsl: the workgroup tree reductions (treeSum, treeMax);
//   - include/gemm_tile.wgsl: the tiled matrix product of gemm.wgsl and
//     conv2d.wgsl (parameter block, bindings, tile geometry, the staged
//     reduction and the write-out);
//   - include/loss_rows.wgsl: the parameter block, bindings and bad-label
//     handling of loss_cross_entropy.wgsl and loss_focal.wgsl;
//   - include/batchnorm_chunks.wgsl: the parameter block and chunked
//     per-channel layout of batch norm's two-pass kernels (every
//     batchnorm_*.wgsl but batchnorm_apply.wgsl);
//   - include/batchnorm_finish.wgsl: the combining of a channel's
//     per-chunk statistics in the forward's second pass
//     (batchnorm_train.wgsl, batchnorm_relu_pool.wgsl);
//   - include/batchnorm_sums.wgsl: the same for the backward's sums
//     (batchnorm_dx.wgsl, batchnorm_pool_dx.wgsl);
//   - include/batchnorm_pool.wgsl: the gradient that the fused max
//     pooling routes to an element (batchnorm_pool_grad.wgsl,
//     batchnorm_pool_dx.wgsl).
//
// A module names the snippets it uses in directive lines at the very top
// of its file, one per line, before anything else (its doc comment
// included):
//
//	//!include tree
//
// Source returns the named snippets' text, in the order named, followed
// by the module's own text (its directive lines stay: they are comments).
// WGSL resolves names across the whole module in any order, so a snippet
// may use what the including module declares; each snippet's header says
// what that is (tree.wgsl needs the const WG, gemm_tile.wgsl a function
// stage). A directive anywhere else, an unknown or repeated snippet, and a
// directive inside a snippet (snippets do not nest) are errors.
//
// # Bindings
//
// Every shader follows one binding convention, which package gpu relies
// on: binding 0 of group 0 is a uniform block of per-dispatch parameters
// (struct P, named p, all fields 32-bit scalars; package gpu writes it
// from a Go struct whose fields it checks against P), and bindings 1, 2,
// ... are the storage buffers, all declared var<storage, read_write>, in
// the order the dispatching code passes them. Package gpu builds each
// module's bind group layout from these declarations (not from what an
// entry point uses), so that an output may alias an input: WebGPU rejects
// one buffer bound both read-only and writable in a dispatch. Binding
// numbers have no gaps.
//
// A storage binding that may hold binary16 values (activations and their
// gradients under --precision f16) is read only through NAME_ld(i) and
// written only through NAME_st(i, v), with f32 values and an element
// index, never by indexing NAME: package gpu generates those functions
// for each compiled variant, plain indexing when the binding is f32, and
// unpacking from (or atomically packing into) 32-bit words of two values
// when it is half. Such a binding is declared array<f32> like any other.
//
// Element-wise shaders fold a flat index out of a two-dimensional grid
// (global_invocation_id.x + global_invocation_id.y * p.row), since one
// dispatch dimension holds at most 65,535 workgroups.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed *.wgsl include/*.wgsl
var files embed.FS

// includeDir holds the snippets.
const includeDir = "include"

// directive starts a line that names a snippet.
const directive = "//!include "

// Source returns the WGSL text of the named module ("conv2d" for
// conv2d.wgsl): the snippets its directives name, then the module itself.
func Source(name string) (string, error) {
	return source(files, name)
}

// Names lists every module, sorted; snippets are not modules.
func Names() []string {
	return names(files)
}

func names(fsys fs.FS) []string {
	var out []string
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".wgsl") {
			out = append(out, strings.TrimSuffix(e.Name(), ".wgsl"))
		}
	}
	sort.Strings(out)
	return out
}

// source reads module name from fsys and prepends its snippets.
func source(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name+".wgsl")
	if err != nil || strings.Contains(name, "/") {
		return "", fmt.Errorf("shaders: no shader named %q", name)
	}
	text := string(b)
	uses, err := includes(name+".wgsl", text)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, s := range uses {
		file := path.Join(includeDir, s+".wgsl")
		sb, err := fs.ReadFile(fsys, file)
		if err != nil {
			return "", fmt.Errorf("shaders: %s.wgsl includes %q, which is not a snippet in %s/", name, s, includeDir)
		}
		nested, err := includes(file, string(sb))
		if err != nil {
			return "", err
		}
		if len(nested) > 0 {
			return "", fmt.Errorf("shaders: snippet %s includes %q; snippets do not nest", file, nested[0])
		}
		out.Write(sb)
		if len(sb) > 0 && sb[len(sb)-1] != '\n' {
			out.WriteByte('\n')
		}
	}
	out.WriteString(text)
	return out.String(), nil
}

// includes returns the snippet names of the directive lines at the top of
// a file's text, and an error for a directive anywhere else, a malformed
// one or a name given twice.
func includes(file, text string) ([]string, error) {
	var uses []string
	top := true
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if !strings.HasPrefix(line, "//!") {
			top = false
			continue
		}
		name, ok := strings.CutPrefix(line, directive)
		switch {
		case !ok || name == "" || strings.ContainsAny(name, " \t/"):
			return nil, fmt.Errorf("shaders: %s:%d: malformed directive %q (want %q and a snippet name)", file, i+1, line, directive)
		case !top:
			return nil, fmt.Errorf("shaders: %s:%d: %q must be among the file's first lines", file, i+1, line)
		}
		for _, u := range uses {
			if u == name {
				return nil, fmt.Errorf("shaders: %s:%d: snippet %q included twice", file, i+1, name)
			}
		}
		uses = append(uses, name)
	}
	return uses, nil
}
