package fileerr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestReason(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.csv")
	_, err := os.Open(path)
	if got := Reason(err, path); got != "no such file or directory" {
		t.Errorf("Reason(open error) = %q", got)
	}
	// Words around it are kept, and the path with them.
	wrapped := fmt.Errorf("wrapped: %w", err)
	if got := Reason(wrapped, path); got != wrapped.Error() {
		t.Errorf("Reason(wrapped open error) = %q", got)
	}
	// Another file's error keeps its path: it is not the one named.
	if got := Reason(err, "other.csv"); got != err.Error() {
		t.Errorf("Reason(error about another file) = %q, want %q", got, err.Error())
	}
	if got := Reason(errors.New("bad"), path); got != "bad" {
		t.Errorf("Reason(plain error) = %q", got)
	}
}
