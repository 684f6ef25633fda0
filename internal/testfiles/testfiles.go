// Package testfiles builds small data-set files in their real formats for
// tests in several packages (datasets, cmd/wgtrain), so that each format
// is written in one place.
package testfiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
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
