package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileFailsLate fails a write after the temporary file holds the
// new data; the old file must be intact and the temporary file gone.
func TestWriteFileFailsLate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	old := []byte("old checkpoint")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	ran := false
	testHookAfterWrite = func() error { ran = true; return boom }
	defer func() { testHookAfterWrite = nil }()

	err := WriteFile(path, []Tensor{F32("w", []int{2}, []float32{1, 2})}, nil)
	var fe *FileError
	if !ran || !errors.Is(err, boom) || !errors.As(err, &fe) || fe.Path != path {
		t.Fatalf("WriteFile = %v (hook ran: %v); want a *FileError wrapping %v", err, ran, boom)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, old) {
		t.Errorf("old file now %q, %v", got, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 {
		t.Errorf("directory holds %d entries (%v), want only the checkpoint", len(ents), err)
	}
}
