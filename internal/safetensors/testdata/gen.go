//go:build ignore

// gen writes the small corrupt safetensors files in this directory, which
// testdata_test.go reads and the fuzzer uses as seeds. Run it from the
// package directory with: go run testdata/gen.go
package main

import (
	"encoding/binary"
	"log"
	"os"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

func main() {
	valid, err := safetensors.Encode([]safetensors.Tensor{
		safetensors.F32("fc.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
		safetensors.F32("fc.bias", []int{2}, []float32{0.5, -0.5}),
		safetensors.I64("bn.num_batches_tracked", nil, []int64{10}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		log.Fatal(err)
	}
	write("valid.safetensors", valid)
	write("truncated.safetensors", valid[:len(valid)-5]) // data section 5 bytes short
	write("truncated_header.safetensors", valid[:40])    // cut inside the header
	badLen := append([]byte(nil), valid...)              // header length 1 TiB
	binary.LittleEndian.PutUint64(badLen, 1<<40)
	write("bad_header_len.safetensors", badLen)
	write("overlap.safetensors", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)))
	write("bad_dtype.safetensors", build(`{"z":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
}

// build returns a file of header and data, without padding.
func build(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func write(name string, data []byte) {
	if err := os.WriteFile("testdata/"+name, data, 0o644); err != nil {
		log.Fatal(err)
	}
}
