package safetensors_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// TestReadFileTestdata reads the files testdata/gen.go writes.
func TestReadFileTestdata(t *testing.T) {
	f, err := safetensors.ReadFile("testdata/valid.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	w, ok := f.Get("fc.weight")
	if v, err := w.Float32s(); !ok || err != nil || !slices.Equal(v, []float32{1, 2, 3, 4}) || !slices.Equal(w.Shape, []int{2, 2}) {
		t.Errorf("fc.weight = %v, %v", v, err)
	}
	if f.Metadata["format"] != "pt" || len(f.Tensors) != 3 {
		t.Errorf("%d tensors, metadata %q", len(f.Tensors), f.Metadata)
	}

	cases := []struct {
		file string
		at   string // where in the file the error is, or "" for off
		off  int64
		msg  string
	}{
		{"truncated.safetensors", `[16,32]`, 0, `tensor "fc.weight": data_offsets end 32 is past the 27-byte data section`},
		{"truncated_header.safetensors", "", 0, "header length 232 runs past the end of the 40-byte file"},
		{"bad_header_len.safetensors", "", 0, "header length 1099511627776 exceeds the 104857600-byte limit"},
		{"overlap.safetensors", "", 8 + 108 + 4, `tensor "b": data_offsets [4, 12] overlap another tensor's`},
		{"bad_dtype.safetensors", `"C64"`, 0, `tensor "z": unknown dtype "C64"`},
	}
	for _, c := range cases {
		path := filepath.Join("testdata", c.file)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		off := c.off
		if c.at != "" {
			off = int64(bytes.Index(raw, []byte(c.at)))
		}
		_, err = safetensors.ReadFile(path)
		var fe *safetensors.FormatError
		if !errors.As(err, &fe) || fe.Source != path || fe.Offset != off || fe.Msg != c.msg {
			t.Errorf("ReadFile(%s) = %v; want a *FormatError at offset %d saying %q", path, err, off, c.msg)
		}
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := safetensors.ReadFile(filepath.Join(t.TempDir(), "none.safetensors"))
	var fe *safetensors.FileError
	if !errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "safetensors: read ") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}
