package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

func TestRoundTrip(t *testing.T) {
	in := sampleTensors()
	meta := sampleMetadata()
	data, err := safetensors.Encode(in, meta)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(data, "roundtrip")
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b safetensors.Tensor) int { return strings.Compare(a.Name, b.Name) })
	sameFile(t, &safetensors.File{Tensors: want, Metadata: meta}, f)

	w, ok := f.Get("layer1.0.weight")
	if !ok {
		t.Fatal("Get(layer1.0.weight) found nothing")
	}
	got, err := w.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []float32{1, -2, 3.5, 0, -0.25, 1e-30}) || w.Numel() != 6 {
		t.Errorf("layer1.0.weight = %v (numel %d)", got, w.Numel())
	}
	l, _ := f.Get("labels")
	ints, err := l.Int64s()
	if err != nil || !slices.Equal(ints, []int64{0, 1, 1 << 40, -1 << 62}) {
		t.Errorf("labels = %v, %v", ints, err)
	}
	s, _ := f.Get("bn.num_batches_tracked")
	if ints, err := s.Int64s(); err != nil || !slices.Equal(ints, []int64{-7}) || s.Numel() != 1 || len(s.Shape) != 0 {
		t.Errorf("scalar = %v %v, shape %v", ints, err, s.Shape)
	}
	e, _ := f.Get("empty.i64")
	if ints, err := e.Int64s(); err != nil || len(ints) != 0 || e.Numel() != 0 || !slices.Equal(e.Shape, []int{3, 0, 2}) {
		t.Errorf("empty.i64 = %v %v, shape %v", ints, err, e.Shape)
	}
	if _, ok := f.Get("missing"); ok {
		t.Error("Get(missing) found a tensor")
	}

	// Deterministic: the same content in another order encodes the same.
	rev := slices.Clone(in)
	slices.Reverse(rev)
	again, err := safetensors.Encode(rev, meta)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("encoding depends on input order (err %v)", err)
	}
	if in[0].Name != "layer1.0.weight" {
		t.Error("Encode reordered its input")
	}
	if n := binary.LittleEndian.Uint64(data); (8+n)%8 != 0 || data[8+n-1] != ' ' && data[8+n-1] != '}' {
		t.Errorf("header length %d: data section does not start at a multiple of 8", n)
	}
}

func TestRoundTripNoTensors(t *testing.T) {
	for _, meta := range []map[string]string{nil, {}, {"only": "metadata"}} {
		data, err := safetensors.Encode(nil, meta)
		if err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Parse(data, "none")
		if err != nil {
			t.Fatal(err)
		}
		sameFile(t, &safetensors.File{Metadata: meta}, f)
	}
}

// TestEncodeLayout checks every byte of a small file against a hand-written one.
func TestEncodeLayout(t *testing.T) {
	got, err := safetensors.Encode([]safetensors.Tensor{
		safetensors.F32("b", []int{2}, []float32{1, -2}),
		safetensors.I64("a", nil, []int64{7}),
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("\x88\x00\x00\x00\x00\x00\x00\x00" + // header length 136
		`{"__metadata__":{"k":"v"},` +
		`"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}` +
		"    " + // 8+132 bytes padded to 8+136
		"\x07\x00\x00\x00\x00\x00\x00\x00" + // a = 7
		"\x00\x00\x80\x3f" + "\x00\x00\x00\xc0") // b = 1, -2
	if !bytes.Equal(got, want) {
		t.Errorf("Encode =\n%q\nwant\n%q", got, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	ok := safetensors.F32("ok", []int{1}, []float32{1})
	cases := []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
		msg     string
	}{
		{"empty name", []safetensors.Tensor{safetensors.F32("", []int{1}, []float32{1})}, nil, "empty name"},
		{"reserved name", []safetensors.Tensor{safetensors.F32("__metadata__", []int{1}, []float32{1})}, nil, "reserved"},
		{"duplicate", []safetensors.Tensor{ok, safetensors.F32("x", nil, []float32{1}), ok}, nil, "duplicate"},
		{"unknown dtype", []safetensors.Tensor{{Name: "q", DType: "Q4", Shape: []int{1}, Data: []byte{0}}}, nil, "unknown dtype"},
		{"rank 9", []safetensors.Tensor{safetensors.F32("r", []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, []float32{1})}, nil, "rank 9"},
		{"negative extent", []safetensors.Tensor{{Name: "n", DType: safetensors.DTypeF32, Shape: []int{-1}, Data: nil}}, nil, "invalid shape"},
		{"overflowing shape", []safetensors.Tensor{{Name: "o", DType: safetensors.DTypeF32, Shape: []int{1 << 62, 4}}}, nil, "invalid shape"},
		{"too few values", []safetensors.Tensor{safetensors.F32("few", []int{2, 2}, []float32{1, 2, 3})}, nil, "has 12 data bytes, F32 [2,2] needs 16"},
		{"too many values", []safetensors.Tensor{safetensors.I64("many", []int{}, []int64{1, 2})}, nil, "has 16 data bytes"},
		{"bad UTF-8 name", []safetensors.Tensor{safetensors.F32("a\xffb", nil, []float32{1})}, nil, "UTF-8"},
		{"bad UTF-8 metadata", []safetensors.Tensor{ok}, map[string]string{"k": "\xfe"}, "UTF-8"},
		{"header too big", []safetensors.Tensor{ok}, map[string]string{"k": strings.Repeat("x", safetensors.MaxHeaderSize)}, "exceeds the 104857600-byte limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := safetensors.Encode(c.tensors, c.meta)
			var te *safetensors.TensorError
			if !errors.As(err, &te) {
				t.Fatalf("Encode = %d bytes, %v; want a *TensorError", len(data), err)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "safetensors: encode: ") {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	bf := safetensors.Tensor{Name: "foreign", DType: safetensors.DTypeBF16, Shape: []int{2}, Data: make([]byte, 4)}
	_, err := bf.Float32s()
	var de *safetensors.DTypeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `unsupported dtype BF16 for tensor "foreign"`) {
		t.Errorf("Float32s on BF16: %v", err)
	}
	i := safetensors.I64("i", []int{1}, []int64{1})
	if _, err := i.Float32s(); !errors.As(err, &de) || de.DType != safetensors.DTypeI64 || de.Want != safetensors.DTypeF32 {
		t.Errorf("Float32s on I64: %v", err)
	}
	f := safetensors.F32("f", []int{1}, []float32{1})
	if _, err := f.Int64s(); !errors.As(err, &de) || de.Want != safetensors.DTypeI64 {
		t.Errorf("Int64s on F32: %v", err)
	}
	short := safetensors.F32("short", []int{3}, []float32{1, 2})
	var te *safetensors.TensorError
	if _, err := short.Float32s(); !errors.As(err, &te) {
		t.Errorf("Float32s with too little data: %v", err)
	}
	neg := safetensors.Tensor{Name: "neg", DType: safetensors.DTypeI64, Shape: []int{-2}}
	if _, err := neg.Int64s(); !errors.As(err, &te) {
		t.Errorf("Int64s with a negative extent: %v", err)
	}
	nan := safetensors.F32("nan", []int{2}, []float32{float32(math.NaN()), float32(math.Inf(-1))})
	if v, err := nan.Float32s(); err != nil || !math.IsNaN(float64(v[0])) || !math.IsInf(float64(v[1]), -1) {
		t.Errorf("NaN and -Inf round trip as %v, %v", v, err)
	}

	for _, c := range []struct {
		shape []int
		want  int
	}{
		{nil, 1}, {[]int{}, 1}, {[]int{3, 4}, 12}, {[]int{5, 0, 1 << 62, 1 << 62}, 0},
		{[]int{-1}, -1}, {[]int{1 << 62, 4}, -1}, {[]int{1 << 31, 1 << 31, 1 << 31}, -1},
	} {
		tn := safetensors.Tensor{Shape: c.shape}
		if got := tn.Numel(); got != c.want {
			t.Errorf("Numel(%v) = %d, want %d", c.shape, got, c.want)
		}
	}
}
