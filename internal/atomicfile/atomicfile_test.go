package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := WriteFile(p, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "second" {
		t.Fatalf("read %q, %v", got, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only a.txt (no temporary left)", len(entries))
	}
}

func TestAbortLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half-writ"))
	f.Abort()
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Fatalf("after Abort the file holds %q, want the old contents", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Abort left %d entries", len(entries))
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

func TestCreateInMissingDirectory(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "x"), nil, 0o644); err == nil {
		t.Fatal("no error for a missing directory")
	}
}

// A failure names the final path once, as an *fs.PathError, and not the
// temporary file's name.
func TestErrorNamesTheFinalPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "x.csv")
	err := WriteFile(p, nil, 0o644)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != p || pe.Op != "write" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %#v, want an *fs.PathError write %s wrapping fs.ErrNotExist", err, p)
	}
	if msg := err.Error(); msg != "write "+p+": no such file or directory" || strings.Contains(msg, ".tmp") {
		t.Errorf("error %q", msg)
	}
}
