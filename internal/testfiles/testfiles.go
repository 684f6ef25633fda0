// Package testfiles holds file helpers that tests in several packages
// share, so that each is written in one place: small data-set files in
// their real formats (IDX, gzip) for datasets and cmd/wgtrain, and the
// fuzz seed corpus read from testdata files for evalkit and
// internal/safetensors, and the comparison of two checkpoints' tensors
// for trainer and cmd/wgtrain.
package testfiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// IDX returns an IDX file of unsigned bytes (type 0x08) with the given
// dimensions, as MNIST and Fashion-MNIST ship them.
func IDX(dims []int, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(0x800|len(dims)))
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var out bytes.Buffer
	z := gzip.NewWriter(&out)
	z.Write(b)
	z.Close()
	return out.Bytes()
}

// FuzzSeeds adds the content of every file matching pattern (a
// filepath.Glob pattern such as "testdata/*.json") to f's seed corpus and
// returns the contents; it stops the test when no file matches.
func FuzzSeeds(f *testing.F, pattern string) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds match %s: %v", pattern, err)
	}
	var seeds [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		seeds = append(seeds, data)
	}
	return seeds
}

// SameTensors returns "" when the safetensors files a and b hold at least
// one tensor and the same tensors, by name and bit for bit, in the same
// order; otherwise it says what differs. It fails the test when a file
// cannot be read.
func SameTensors(t testing.TB, a, b string) string {
	t.Helper()
	fa, err := safetensors.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := safetensors.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.Tensors) != len(fb.Tensors) || len(fa.Tensors) == 0 {
		return fmt.Sprintf("%d tensors in %s, %d in %s", len(fa.Tensors), a, len(fb.Tensors), b)
	}
	for i := range fa.Tensors {
		if fa.Tensors[i].Name != fb.Tensors[i].Name || !bytes.Equal(fa.Tensors[i].Data, fb.Tensors[i].Data) {
			return fmt.Sprintf("%s differs between %s and %s", fa.Tensors[i].Name, a, b)
		}
	}
	return ""
}
