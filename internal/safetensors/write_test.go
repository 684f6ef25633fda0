package safetensors_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// dirNames lists dir, failing t on error.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	big := sampleTensors()
	if err := safetensors.WriteFile(path, big, sampleMetadata()); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(big) {
		t.Errorf("read back %d tensors, want %d", len(f.Tensors), len(big))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", fi.Mode(), err)
	}

	// Replacing with a smaller file leaves exactly the new bytes.
	small := []safetensors.Tensor{safetensors.F32("only", []int{1}, []float32{9})}
	if err := safetensors.WriteFile(path, small, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := safetensors.Encode(small, nil)
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Errorf("after overwrite the file is %d bytes (%v), want exactly the new %d", len(got), err, len(want))
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"ckpt.safetensors"}) {
		t.Errorf("directory holds %q, want only the checkpoint", names)
	}
}

// writeFails checks that WriteFile(path) fails and leaves dir as it was
// and, where old is not nil, path holding old.
func writeFails(t *testing.T, dir, path string, tensors []safetensors.Tensor, old []byte) error {
	t.Helper()
	before := dirNames(t, dir)
	err := safetensors.WriteFile(path, tensors, nil)
	if err == nil {
		t.Fatal("WriteFile succeeded")
	}
	if after := dirNames(t, dir); !slices.Equal(before, after) {
		t.Errorf("directory went from %q to %q", before, after)
	}
	if old != nil {
		if got, rerr := os.ReadFile(path); rerr != nil || !bytes.Equal(got, old) {
			t.Errorf("old file changed: %d bytes, %v", len(got), rerr)
		}
	}
	return err
}

func TestWriteFileInvalidKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []safetensors.Tensor{safetensors.F32("w", []int{3}, []float32{1})}
	var te *safetensors.TensorError
	if err := writeFails(t, dir, path, bad, []byte("old")); !errors.As(err, &te) {
		t.Errorf("error %v, want a *TensorError", err)
	}
}

func TestWriteFileReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if probe, err := os.CreateTemp(dir, "probe"); err == nil { // as root, say
		probe.Close()
		os.Remove(probe.Name())
		t.Skip("a read-only directory is writable here; TestWriteFileFailsLate covers the failure path")
	}
	var fe *safetensors.FileError
	if err := writeFails(t, dir, path, sampleTensors(), []byte("old")); !errors.As(err, &fe) || fe.Op != "write" {
		t.Errorf("error %v, want a *FileError", err)
	}
}

func TestWriteFileNoDir(t *testing.T) {
	dir := t.TempDir()
	var fe *safetensors.FileError
	if err := writeFails(t, dir, filepath.Join(dir, "missing", "c.safetensors"), sampleTensors(), nil); !errors.As(err, &fe) {
		t.Errorf("error %v, want a *FileError", err)
	}
}

// TestWriteFileOntoDirectory makes the final rename fail, after the
// temporary file is written, which must then be removed.
func TestWriteFileOntoDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	var fe *safetensors.FileError
	if err := writeFails(t, dir, path, sampleTensors(), nil); !errors.As(err, &fe) {
		t.Errorf("error %v, want a *FileError", err)
	}
	if names := dirNames(t, path); !slices.Equal(names, []string{"inside"}) {
		t.Errorf("directory in the way now holds %q", names)
	}
}
