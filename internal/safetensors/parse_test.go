package safetensors_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// entryA is a valid entry for a one-element F32 tensor at [0, 4].
const entryA = `{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`

// badCase is a file Parse must reject. The wanted offset is given by
// exactly one of: at, a substring of header whose '|' marks the byte (the
// '|' is not part of the header); dataOff, relative to the data section;
// or off, absolute, for a raw file.
type badCase struct {
	name    string
	raw     []byte // whole file; if nil, the file is build(header, data)
	header  string
	data    []byte
	at      string
	dataOff int64
	off     int64
	msg     string // wanted in the error message
}

// file returns the case's file and the offset its error must name.
func (c badCase) file() ([]byte, int64, error) {
	if c.raw != nil {
		return c.raw, c.off, nil
	}
	if c.at == "" {
		return build(c.header, c.data...), 8 + int64(len(c.header)) + c.dataOff, nil
	}
	i := strings.Index(c.header, strings.Replace(c.at, "|", "", 1))
	if i < 0 || !strings.Contains(c.at, "|") {
		return nil, 0, fmt.Errorf("marker %q not in header %q", c.at, c.header)
	}
	return build(c.header, c.data...), 8 + int64(i+strings.Index(c.at, "|")), nil
}

var four = []byte{0, 0, 128, 63}

// badCases covers every check Parse makes.
var badCases = []badCase{
	{name: "empty file", raw: []byte{}, off: 0, msg: "shorter than the 8-byte header length"},
	{name: "7 bytes", raw: []byte{2, 0, 0, 0, 0, 0, 0}, off: 0, msg: "shorter than"},
	{name: "header over 100 MiB", raw: lenOnly(100<<20+1, "{}"), off: 0, msg: "exceeds the 104857600-byte limit"},
	{name: "header length 2^64-1", raw: lenOnly(math.MaxUint64, "{}"), off: 0, msg: "exceeds"},
	{name: "header past end", raw: lenOnly(3, "{}"), off: 0, msg: "runs past the end of the 10-byte file"},
	{name: "empty header", raw: lenOnly(0, ""), off: 8, msg: "does not start with '{'"},
	{name: "leading space", header: ` {}`, at: `| {}`, msg: "does not start with '{'"},
	{name: "array header", header: `[]`, at: `|[]`, msg: "does not start with '{'"},
	{name: "invalid UTF-8", header: "{\"a\xff\":1}", at: "a|\xff", msg: "not valid UTF-8"},
	{name: "missing value", header: `{"a":}`, at: `:|}`, msg: "not valid JSON"},
	{name: "missing colon", header: `{"a" 1}`, at: `" |1`, msg: "not valid JSON"},
	{name: "JSON ends early", header: `{"a":{"dtype":"F32"`, at: "", dataOff: 0, msg: "ends early"},
	{name: "trailing garbage", header: `{} x`, at: `{} |x`, msg: "not valid JSON"},
	{name: "second object", header: `{}  []`, at: `|[]`, msg: "data after the header object"},
	{name: "duplicate tensor", header: `{"a":` + entryA + `,"a":` + entryA + `}`, data: four, at: `},|"a"`, msg: `duplicate key "a"`},
	{name: "duplicate via escape", header: `{"a":` + entryA + `,"\u0061":` + entryA + `}`, data: four, at: `|"\u0061"`, msg: `duplicate key "a"`},
	{name: "duplicate field", header: `{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, data: four, at: `,|"dtype":"F32","shape"`, msg: `duplicate field "dtype"`},
	{name: "duplicate shape", header: `{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`, data: four, at: `,|"shape":[1],"data`, msg: `duplicate field "shape"`},
	{name: "duplicate offsets", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"data_offsets":[0,4]}}`, data: four, at: `],|"data_offsets":[0,4]}`, msg: `duplicate field "data_offsets"`},
	{name: "duplicate metadata key", header: `{"__metadata__":{"k":"1","k":"2"}}`, at: `,|"k":"2"`, msg: `duplicate __metadata__ key "k"`},
	{name: "metadata twice", header: `{"__metadata__":{},"__metadata__":{}}`, at: `,|"__metadata__"`, msg: `duplicate key "__metadata__"`},
	{name: "metadata a string", header: `{"__metadata__":"x"}`, at: `|"x"`, msg: "__metadata__ must be an object of string values"},
	{name: "metadata null", header: `{"__metadata__":null}`, at: `|null`, msg: "__metadata__ must be an object"},
	{name: "metadata number value", header: `{"__metadata__":{"k":1}}`, at: `|1}`, msg: `value of "k" is not a string`},
	{name: "metadata nested value", header: `{"__metadata__":{"k":{"x":"y"}}}`, at: `|{"x"`, msg: `value of "k" is not a string`},
	{name: "empty name", header: `{"":` + entryA + `}`, data: four, at: `|""`, msg: "empty tensor name"},
	{name: "entry an array", header: `{"a":[1]}`, at: `|[1]`, msg: `tensor "a": entry must be an object`},
	{name: "entry null", header: `{"a":null}`, at: `|null`, msg: "entry must be an object"},
	{name: "unknown dtype", header: `{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}`, data: four, at: `|"F31"`, msg: `unknown dtype "F31"`},
	{name: "lower-case dtype", header: `{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, data: four, at: `|"f32"`, msg: `unknown dtype "f32"`},
	{name: "dtype a number", header: `{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, data: four, at: `|4,`, msg: "dtype is not a string"},
	{name: "shape a number", header: `{"a":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}`, data: four, at: `|1,"data`, msg: "shape must be an array of non-negative integers"},
	{name: "shape null", header: `{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, data: four, at: `|null`, msg: "shape must be an array"},
	{name: "negative extent", header: `{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, data: four, at: `|-1`, msg: "element -1 is not a non-negative"},
	{name: "fractional extent", header: `{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`, data: four, at: `|1.0`, msg: "element 1.0 is not"},
	{name: "exponent extent", header: `{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, data: four, at: `|1e0`, msg: "element 1e0 is not"},
	{name: "string extent", header: `{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, data: four, at: `|"1"`, msg: "shape must be an array of non-negative integers"},
	{name: "nested shape", header: `{"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`, data: four, at: `[|[1]]`, msg: "shape must be an array"},
	{name: "extent over 2^64", header: `{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}`, data: four, at: `|18446744073709551616`, msg: "not a non-negative 64-bit integer"},
	{name: "extent over MaxInt", header: `{"a":{"dtype":"F32","shape":[0,9223372036854775808],"data_offsets":[0,0]}}`, at: `|[0,9`, msg: "shape extent 9223372036854775808 is too large"},
	{name: "rank 9", header: `{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}`, data: four, at: `1,1,1,1,1,1,1,1,|1]`, msg: "shape has more than 8 elements"},
	{name: "size overflows", header: `{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}`, data: four, at: `|[4611686018427387904`, msg: "size of shape [4611686018427387904,4] overflows"},
	{name: "size overflows by dtype", header: `{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}`, data: four, at: `|[2305843009213693952]`, msg: "overflows"},
	{name: "offsets a string", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":"0,4"}}`, data: four, at: `|"0,4"`, msg: "data_offsets must be an array"},
	{name: "one offset", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, data: four, at: `|[4]`, msg: "data_offsets must hold two integers, not 1"},
	{name: "three offsets", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, data: four, at: `0,4,|4]`, msg: "data_offsets has more than 2 elements"},
	{name: "negative offset", header: `{"a":{"dtype":"F32","shape":[0],"data_offsets":[-4,-4]}}`, at: `[|-4,`, msg: "element -4 is not"},
	{name: "begin after end", header: `{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, data: four, at: `|[4,0]`, msg: "begin 4 is after end 0"},
	{name: "missing dtype", header: `{"a":{"shape":[1],"data_offsets":[0,4]}}`, data: four, at: `|"a"`, msg: `tensor "a": no dtype`},
	{name: "missing shape", header: `{"a":{"dtype":"F32","data_offsets":[0,4]}}`, data: four, at: `|"a"`, msg: "no shape"},
	{name: "missing offsets", header: `{"a":{"dtype":"F32","shape":[1]}}`, data: four, at: `|"a"`, msg: "no data_offsets"},
	{name: "unknown field", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"crc":1}}`, data: four, at: `|"crc"`, msg: `unknown field "crc"`},
	{name: "size mismatch", header: `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, data: four, at: `|[0,4]`, msg: "data_offsets [0, 4] hold 4 bytes, F32 [2] needs 8"},
	{name: "past data section", header: `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, data: four, at: `|[0,8]`, msg: "end 8 is past the 4-byte data section"},
	{name: "overlap", header: `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, data: make([]byte, 12), dataOff: 4, msg: `tensor "b": data_offsets [4, 12] overlap`},
	{name: "same range twice", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, data: four, dataOff: 0, msg: "overlap"},
	{name: "empty tensor inside another", header: `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, data: make([]byte, 8), dataOff: 4, msg: `tensor "z"`},
	{name: "hole", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, data: make([]byte, 12), dataOff: 4, msg: `data bytes [4, 8) before tensor "b" belong to no tensor`},
	{name: "leading hole", header: `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data: make([]byte, 8), dataOff: 0, msg: `data bytes [0, 4) before tensor "a" belong to no tensor`},
	{name: "trailing bytes", header: `{"a":` + entryA + `}`, data: make([]byte, 6), dataOff: 4, msg: "data bytes [4, 6) at the end belong to no tensor"},
	{name: "data without tensors", header: `{}`, data: four, dataOff: 0, msg: "data bytes [0, 4) at the end belong to no tensor"},
}

func TestParseErrors(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			data, off, err := c.file()
			if err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.Parse(data, "case.safetensors")
			var fe *safetensors.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %v, %v; want a *FormatError", f, err)
			}
			if fe.Source != "case.safetensors" || fe.Offset != off {
				t.Errorf("error %q: source %q offset %d, want offset %d", err, fe.Source, fe.Offset, off)
			}
			prefix := fmt.Sprintf("safetensors: case.safetensors: offset %d: ", off)
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("error %q, want %q and %q", err, prefix, c.msg)
			}
		})
	}
}

// TestParseForeign reads a file laid out the way other writers do it:
// metadata last, fields in another order, names unsorted, data not in
// name order, whitespace and padding, and a dtype wgtrain never writes.
func TestParseForeign(t *testing.T) {
	header := "{\n" +
		`  "w": {"data_offsets": [8, 16], "shape": [2], "dtype": "F32"},` + "\n" +
		`  "b": {"shape": [], "dtype": "BF16", "data_offsets": [16, 18]},` + "\n" +
		`  "idx": {"dtype": "I64", "data_offsets": [0, 8], "shape": [1]},` + "\n" +
		`  "nothing": {"dtype": "U8", "shape": [0, 5], "data_offsets": [18, 18]},` + "\n" +
		`  "__metadata__": {"format": "pt", "note": "caf\u00e9 \"quoted\""}` + "\n" +
		"}      "
	data := []byte{
		42, 0, 0, 0, 0, 0, 0, 0, // idx = 42
		0, 0, 0, 0x3f, 0, 0, 0x80, 0xbf, // w = 0.5, -1
		0x80, 0x3f, // b = 1 in bfloat16
	}
	f, err := safetensors.Parse(build(header, data...), "foreign")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tn := range f.Tensors {
		names = append(names, tn.Name)
	}
	if !slices.Equal(names, []string{"b", "idx", "nothing", "w"}) {
		t.Errorf("tensors %q, want sorted by name", names)
	}
	if f.Metadata["format"] != "pt" || f.Metadata["note"] != `café "quoted"` || len(f.Metadata) != 2 {
		t.Errorf("metadata %q", f.Metadata)
	}
	w, _ := f.Get("w")
	if v, err := w.Float32s(); err != nil || !slices.Equal(v, []float32{0.5, -1}) {
		t.Errorf("w = %v, %v", v, err)
	}
	idx, _ := f.Get("idx")
	if v, err := idx.Int64s(); err != nil || !slices.Equal(v, []int64{42}) {
		t.Errorf("idx = %v, %v", v, err)
	}
	b, _ := f.Get("b")
	if _, err := b.Float32s(); err == nil || err.Error() != `safetensors: unsupported dtype BF16 for tensor "b", want F32` {
		t.Errorf("Float32s on BF16: %v", err)
	}
	if !slices.Equal(b.Data, []byte{0x80, 0x3f}) || b.Numel() != 1 {
		t.Errorf("b = %x, numel %d", b.Data, b.Numel())
	}

	// Re-encoding moves everything into the canonical layout, same content.
	enc, err := safetensors.Encode(f.Tensors, f.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Parse(enc, "re-encoded")
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, f, g)
}

// TestParseEmptyTensors checks that zero-byte tensors may share an offset
// with each other and with the next tensor, at the start, middle and end.
func TestParseEmptyTensors(t *testing.T) {
	header := `{"e0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},` +
		`"e1":{"dtype":"I64","shape":[2,0],"data_offsets":[0,0]},` +
		`"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"e2":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},` +
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},` +
		`"e3":{"dtype":"BOOL","shape":[0],"data_offsets":[8,8]}}`
	f, err := safetensors.Parse(build(header, make([]byte, 8)...), "empties")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 6 || f.Metadata != nil {
		t.Errorf("%d tensors, metadata %v", len(f.Tensors), f.Metadata)
	}
}

// TestParseDataIsCapped checks that appending to a tensor's Data cannot
// overwrite the next tensor's bytes in the shared buffer.
func TestParseDataIsCapped(t *testing.T) {
	data, err := safetensors.Encode([]safetensors.Tensor{
		safetensors.F32("a", []int{1}, []float32{1}),
		safetensors.F32("b", []int{1}, []float32{2}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(data, "capped")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Get("a")
	_ = append(a.Data, 9, 9, 9, 9)
	b, _ := f.Get("b")
	if v, _ := b.Float32s(); !slices.Equal(v, []float32{2}) {
		t.Errorf("b = %v after appending to a", v)
	}
}
