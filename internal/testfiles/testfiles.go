// Package testfiles holds file helpers that tests in several packages
// share, so that each is written in one place: small data-set files in
// their real formats (IDX, gzip) for datasets and cmd/wgtrain, and the
// fuzz seed corpus read from testdata files for evalkit and
// internal/safetensors.
package testfiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
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
