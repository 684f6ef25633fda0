package citest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStrict(t *testing.T) {
	for v, want := range map[string]bool{
		"": false, "0": false, "false": false, "False": false, "no": false, "off": false,
		"true": true, "1": true, "yes": true, "TRUE": true, "github-actions": true,
	} {
		t.Setenv("CI", v)
		if got := Strict(); got != want {
			t.Errorf("CI=%q: Strict() = %v, want %v", v, got, want)
		}
	}
}

// Outside CI, Missing skips the test and notes it, on one line.
func TestMissingNotesTheSkip(t *testing.T) {
	notes := filepath.Join(t.TempDir(), "notes")
	t.Setenv("CI", "")
	t.Setenv(EnvNotes, notes)
	t.Run("skipped", func(t *testing.T) {
		Missing(t, "WebGPU", "no adapter:\nnone found")
		t.Error("Missing returned")
	})
	data, err := os.ReadFile(notes)
	if err != nil {
		t.Fatal(err)
	}
	want := "WebGPU\tcitest\tno adapter: none found\n"
	if string(data) != want {
		t.Errorf("notes %q, want %q", data, want)
	}
}
