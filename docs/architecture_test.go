// Package docs holds wgtrain's documents (ARCHITECTURE.md, RATIONALE.md,
// SPEC.md) and the test that keeps ARCHITECTURE.md true to the tree.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoPath matches a backquoted path into the repository's packages.
var repoPath = regexp.MustCompile("`((?:cmd|conformance|datasets|docs|evalkit|gpu|graph|internal|notes|ops|scripts|shaders|trainer)/[^`*<> ]*)`")

func architecture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// operationTable returns the rows of the table "Where each operation is":
// its operation name and the paths each row names.
func operationTable(t *testing.T, doc string) map[string][]string {
	t.Helper()
	_, sec, ok := strings.Cut(doc, "\n## Where each operation is\n")
	if !ok {
		t.Fatal(`ARCHITECTURE.md has no section "Where each operation is"`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	rows := map[string][]string{}
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "-") || strings.TrimSpace(cells[1]) == "operation" {
			continue
		}
		op := strings.TrimSpace(cells[1])
		for _, m := range repoPath.FindAllStringSubmatch(line, -1) {
			rows[op] = append(rows[op], m[1])
		}
	}
	return rows
}

// TestArchitecturePathsExist checks that every file and folder that
// ARCHITECTURE.md names exists.
func TestArchitecturePathsExist(t *testing.T) {
	doc := architecture(t)
	n := 0
	for _, m := range repoPath.FindAllStringSubmatch(doc, -1) {
		n++
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("ARCHITECTURE.md names %s, which does not exist", m[1])
		}
	}
	if n < 50 {
		t.Errorf("ARCHITECTURE.md names only %d paths; the pattern or the document is broken", n)
	}
}

// TestOperationTable checks that the operation table has a row for every
// operation, with a file in each of the ops, gpu, shaders and conformance
// packages, and that every operation file of those packages is in it.
func TestOperationTable(t *testing.T) {
	rows := operationTable(t, architecture(t))
	ops := []string{"conv2d", "linear", "gemm", "batchnorm", "batchnorm_relu", "batchnorm_relu_pool", "maxpool", "relu", "dropout", "loss", "adam", "sgd", "argmax", "gather", "elementwise"}
	listed := map[string]bool{}
	for _, op := range ops {
		paths := rows[op]
		if len(paths) == 0 {
			t.Errorf("the operation table has no row for %s", op)
		}
		for _, dir := range []string{"ops/cpu_", "gpu/", "shaders/", "conformance/"} {
			found := false
			for _, p := range paths {
				found = found || strings.HasPrefix(p, dir)
			}
			if !found {
				t.Errorf("the %s row names no file under %s", op, dir)
			}
		}
		for _, p := range paths {
			listed[p] = true
		}
	}
	for op := range rows {
		if !slices.Contains(ops, op) {
			t.Errorf("the operation table has a row %q that this test does not know", op)
		}
	}
	// Every operation file of the four layers must be in the table; the
	// infrastructure files are listed under "What is not an operation".
	infra := map[string]bool{
		"ops/cpu.go": true, "ops/cpu_amd64.go": true, "ops/cpu_pool.go": true, "ops/cpu_scratch.go": true, "ops/cpu_workers.go": true,
		"ops/cpu_memory.go": true, "ops/cpu_memory_linux.go": true, "ops/cpu_memory_darwin.go": true,
		"gpu/backend.go": true, "gpu/device.go": true, "gpu/buffer.go": true, "gpu/transfer.go": true, "gpu/pipeline.go": true,
		"gpu/params.go": true, "gpu/record.go": true, "gpu/select.go": true, "gpu/doc.go": true, "gpu/limits.go": true, "gpu/split.go": true,
		"gpu/profile.go": true, "gpu/profile_record.go": true, "gpu/sync.go": true, "gpu/view.go": true, "gpu/callback.go": true, "gpu/callback_c.go": true,
		"gpu/half.go":               true,
		"shaders/include/tree.wgsl": true,
		"conformance/doc.go":        true, "conformance/suite.go": true, "conformance/tolerance.go": true, "conformance/env.go": true,
		"conformance/finitediff.go": true, "conformance/errors.go": true, "conformance/golden.go": true, "conformance/golden_resnet9.go": true,
		"conformance/view.go": true, "conformance/view_optim.go": true,
	}
	for _, pattern := range []string{"ops/cpu_*.go", "gpu/*.go", "shaders/*.wgsl", "shaders/include/*.wgsl", "conformance/*.go"} {
		files, err := filepath.Glob(filepath.Join("..", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			p := filepath.ToSlash(strings.TrimPrefix(f, ".."+string(filepath.Separator)))
			if strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "_amd64.go") || strings.HasSuffix(p, "_other.go") || infra[p] {
				continue
			}
			if !listed[p] {
				t.Errorf("%s is in no row of the operation table", p)
			}
		}
	}
}

// TestNothingCitedFromOutside checks that no file of the repository cites
// documents that a clone of it does not have: the repository stands
// alone, and what the code relies on is in docs/SPEC.md.
func TestNothingCitedFromOutside(t *testing.T) {
	banned := []string{"REFERENCE" + ".md", "../" + "shared", "FORMATS" + ".md"}
	n := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "bin", "logs":
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, s := range banned {
			if strings.Contains(string(b), s) {
				t.Errorf("%s cites %s, which a clone of the repository does not have", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("read only %d files; the walk is broken", n)
	}
}
