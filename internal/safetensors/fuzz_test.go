package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// FuzzParse checks that Parse never panics, that it rejects only with a
// *FormatError naming the source and an offset inside the file, and that
// whatever it accepts re-encodes, re-parses to the same content, and
// re-encodes to the same bytes.
func FuzzParse(f *testing.F) {
	for _, meta := range []map[string]string{nil, sampleMetadata()} {
		data, err := safetensors.Encode(sampleTensors(), meta)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(build(`{}`))
	testfiles.FuzzSeeds(f, "testdata/*.safetensors")
	for _, c := range badCases {
		data, _, err := c.file()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

	f.Fuzz(checkParse)
}

// FuzzParseHeader is FuzzParse with the header length always right, so
// that the fuzzer spends its time on the JSON and the offsets.
func FuzzParseHeader(f *testing.F) {
	for _, c := range badCases {
		if c.raw == nil {
			f.Add(c.header, c.data)
		}
	}
	data, err := safetensors.Encode(sampleTensors(), sampleMetadata())
	if err != nil {
		f.Fatal(err)
	}
	n := 8 + binary.LittleEndian.Uint64(data)
	f.Add(string(data[8:n]), data[n:])
	f.Fuzz(func(t *testing.T, header string, data []byte) {
		checkParse(t, build(header, data...))
	})
}

// checkParse is the property both fuzz targets check for one input.
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	file, err := safetensors.Parse(data, "fuzz")
	if err != nil {
		var fe *safetensors.FormatError
		if !errors.As(err, &fe) || fe.Source != "fuzz" || !strings.HasPrefix(err.Error(), "safetensors: fuzz: ") {
			t.Fatalf("error %v (%T) is not a *FormatError naming the source", err, err)
		}
		if fe.Offset < 0 || fe.Offset > int64(len(data)) {
			t.Fatalf("error %v: offset outside the %d-byte file", err, len(data))
		}
		return
	}
	if !slices.IsSortedFunc(file.Tensors, func(a, b safetensors.Tensor) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatal("tensors not sorted by name")
	}
	for i := range file.Tensors {
		tn := &file.Tensors[i]
		if tn.Numel() < 0 || tn.Numel()*tn.DType.Size() != len(tn.Data) {
			t.Fatalf("tensor %q: numel %d, %d data bytes", tn.Name, tn.Numel(), len(tn.Data))
		}
		if _, err := tn.Float32s(); (err == nil) != (tn.DType == safetensors.DTypeF32) {
			t.Fatalf("tensor %q (%s): Float32s error %v", tn.Name, tn.DType, err)
		}
		if _, err := tn.Int64s(); (err == nil) != (tn.DType == safetensors.DTypeI64) {
			t.Fatalf("tensor %q (%s): Int64s error %v", tn.Name, tn.DType, err)
		}
	}
	enc, err := safetensors.Encode(file.Tensors, file.Metadata)
	if err != nil {
		t.Fatalf("Encode of a parsed file: %v", err)
	}
	again, err := safetensors.Parse(enc, "re-encoded")
	if err != nil {
		t.Fatalf("Parse of a re-encoded file: %v", err)
	}
	sameFile(t, file, again)
	enc2, err := safetensors.Encode(again.Tensors, again.Metadata)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("second encoding differs (%v)", err)
	}
}
