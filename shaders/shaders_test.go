package shaders

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// Names lists the modules only: no snippet, nothing from include/.
func TestNamesAreModules(t *testing.T) {
	names := Names()
	for _, want := range []string{"conv2d", "gemm", "loss_cross_entropy", "elementwise_unary"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v lacks %q", names, want)
		}
	}
	for _, n := range names {
		if strings.Contains(n, "/") || n == "tree" || n == "gemm_tile" || n == "loss_rows" {
			t.Errorf("Names() lists %q, which is not a module", n)
		}
	}
	if _, err := Source("include/tree"); err == nil {
		t.Error(`Source("include/tree") returned a snippet as a module`)
	}
}

// Source prepends the snippets a module names, in order, to the module's
// own text; a module without directives comes back as it is.
func TestSourcePrependsSnippets(t *testing.T) {
	read := func(path string) string {
		b, err := fs.ReadFile(files, path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	got, err := Source("loss_cross_entropy")
	if err != nil {
		t.Fatal(err)
	}
	want := read("include/loss_rows.wgsl") + read("include/tree.wgsl") + read("loss_cross_entropy.wgsl")
	if got != want {
		t.Errorf("Source(loss_cross_entropy) is not loss_rows + tree + the module (%d bytes, want %d)", len(got), len(want))
	}
	if got, _ := Source("adam"); got != read("adam.wgsl") {
		t.Error("Source(adam), which includes nothing, differs from adam.wgsl")
	}
}

// Every snippet is used by some module, and every module's directives
// resolve.
func TestEverySnippetIsUsed(t *testing.T) {
	used := map[string]bool{}
	for _, n := range Names() {
		b, _ := fs.ReadFile(files, n+".wgsl")
		uses, err := includes(n, string(b))
		if err != nil {
			t.Error(err)
		}
		for _, u := range uses {
			used[u] = true
		}
		if _, err := Source(n); err != nil {
			t.Error(err)
		}
	}
	snippets, _ := fs.ReadDir(files, includeDir)
	for _, e := range snippets {
		if name := strings.TrimSuffix(e.Name(), ".wgsl"); !used[name] {
			t.Errorf("snippet %s is included by no module", e.Name())
		}
	}
}

func TestDirectives(t *testing.T) {
	fsys := fstest.MapFS{
		"include/one.wgsl":  {Data: []byte("// one\nconst ONE = 1u;\n")},
		"include/two.wgsl":  {Data: []byte("const TWO = 2u;")}, // no final newline
		"include/nest.wgsl": {Data: []byte("//!include one\nconst NEST = 3u;\n")},
		"ok.wgsl":           {Data: []byte("//!include two\n//!include one\n// ok\nfn main() {}\n")},
		"none.wgsl":         {Data: []byte("// none\nfn main() {}\n")},
		"late.wgsl":         {Data: []byte("// late\n//!include one\n")},
		"unknown.wgsl":      {Data: []byte("//!include three\n")},
		"twice.wgsl":        {Data: []byte("//!include one\n//!include one\n")},
		"nested.wgsl":       {Data: []byte("//!include nest\n")},
		"typo.wgsl":         {Data: []byte("//!inclde one\n")},
		"empty.wgsl":        {Data: []byte("//!include \n")},
	}
	if got := names(fsys); !slices.Equal(got, []string{"empty", "late", "nested", "none", "ok", "twice", "typo", "unknown"}) {
		t.Errorf("names = %v", got)
	}
	got, err := source(fsys, "ok")
	if want := "const TWO = 2u;\n// one\nconst ONE = 1u;\n//!include two\n//!include one\n// ok\nfn main() {}\n"; err != nil || got != want {
		t.Errorf("source(ok) = %q, %v; want %q", got, err, want)
	}
	if got, err := source(fsys, "none"); err != nil || got != "// none\nfn main() {}\n" {
		t.Errorf("source(none) = %q, %v", got, err)
	}
	for name, msg := range map[string]string{
		"late":          "first lines",
		"unknown":       "not a snippet",
		"twice":         "twice",
		"nested":        "do not nest",
		"typo":          "malformed",
		"empty":         "malformed",
		"missing":       "no shader",
		"include/one":   "no shader",
		"../shaders/ok": "no shader",
	} {
		if _, err := source(fsys, name); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("source(%s) = %v, want an error saying %q", name, err, msg)
		}
	}
}
