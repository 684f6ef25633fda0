package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// build returns a file made of the 8-byte length of header, header and data.
func build(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// lenOnly returns just an 8-byte header length n followed by tail.
func lenOnly(n uint64, tail string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), tail...)
}

// sampleTensors covers both written dtypes, a scalar, empty tensors and
// names that need escaping, deliberately out of name order.
func sampleTensors() []safetensors.Tensor {
	return []safetensors.Tensor{
		safetensors.F32("layer1.0.weight", []int{2, 3}, []float32{1, -2, 3.5, 0, -0.25, 1e-30}),
		safetensors.I64("bn.num_batches_tracked", []int{}, []int64{-7}),
		safetensors.F32("scalar", nil, []float32{42}),
		safetensors.F32("empty", []int{0, 3}, nil),
		safetensors.I64("empty.i64", []int{3, 0, 2}, []int64{}),
		safetensors.I64("labels", []int{4}, []int64{0, 1, 1 << 40, -1 << 62}),
		safetensors.F32("quote\"back\\slash\nctl\x01é", []int{1}, []float32{3}),
	}
}

// sampleMetadata has plain and awkward keys and values.
func sampleMetadata() map[string]string {
	return map[string]string{"format": "pt", "epoch": "3", "": "empty key", "ü \"x\"\t": "\x00<&>"}
}

// sameFile fails t unless a and b have the same tensors and metadata
// (nil and empty metadata count as equal).
func sameFile(t *testing.T, a, b *safetensors.File) {
	t.Helper()
	if len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d tensors, then %d", len(a.Tensors), len(b.Tensors))
	}
	for i := range a.Tensors {
		x, y := a.Tensors[i], b.Tensors[i]
		if x.Name != y.Name || x.DType != y.DType || !slices.Equal(x.Shape, y.Shape) || !bytes.Equal(x.Data, y.Data) {
			t.Fatalf("tensor %d: %q %s %v %x, then %q %s %v %x", i, x.Name, x.DType, x.Shape, x.Data, y.Name, y.DType, y.Shape, y.Data)
		}
	}
	if !maps.Equal(a.Metadata, b.Metadata) {
		t.Fatalf("metadata %q, then %q", a.Metadata, b.Metadata)
	}
}
