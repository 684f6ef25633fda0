package safetensors

import (
	"cmp"
	"encoding/binary"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header Parse accepts, 100 MiB, the
// reference implementation's limit.
const MaxHeaderSize = 100 << 20

// ReadFile reads and parses the safetensors file at path. Errors reading
// the file are *FileError; format errors are *FormatError naming path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Op: "read", Path: path, Err: err}
	}
	return Parse(data, path)
}

// Parse parses and validates a whole safetensors file; source names it in
// errors, which are all *FormatError. The tensors' Data slices alias data.
func Parse(data []byte, source string) (*File, error) {
	fail := func(off int64, format string, args ...any) error {
		return formatErr(source, off, format, args...)
	}
	if len(data) < 8 {
		return nil, fail(0, "file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fail(0, "header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fail(0, "header length %d runs past the end of the %d-byte file", n, len(data))
	}
	dataStart := 8 + int(n)
	header := data[8:dataStart]
	if len(header) == 0 || header[0] != '{' {
		return nil, fail(8, "header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, fail(8+int64(invalidUTF8At(header)), "header is not valid UTF-8")
	}
	entries, meta, err := parseHeader(header, source)
	if err != nil {
		return nil, err
	}
	if err := checkEntries(entries, source, int64(dataStart), uint64(len(data)-dataStart)); err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.name, b.name) })
	f := &File{Tensors: make([]Tensor, len(entries)), Metadata: meta}
	for i, e := range entries {
		lo, hi := dataStart+int(e.begin), dataStart+int(e.end)
		f.Tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: data[lo:hi:hi]}
	}
	return f, nil
}

// checkEntries checks every entry's offsets against its size and the
// data section, then that the ranges tile the data section exactly.
func checkEntries(entries []entry, source string, dataStart int64, dataLen uint64) error {
	for _, e := range entries {
		if e.begin > e.end {
			return formatErr(source, e.offsetsAt, "tensor %q: data_offsets begin %d is after end %d", e.name, e.begin, e.end)
		}
		if e.end > dataLen {
			return formatErr(source, e.offsetsAt, "tensor %q: data_offsets end %d is past the %d-byte data section", e.name, e.end, dataLen)
		}
		size, ok := byteSize(e.shape, e.dtype)
		if !ok {
			return formatErr(source, e.shapeAt, "tensor %q: size of shape %s overflows", e.name, shapeString(e.shape))
		}
		if e.end-e.begin != uint64(size) {
			return formatErr(source, e.offsetsAt, "tensor %q: data_offsets [%d, %d] hold %d bytes, %s %s needs %d",
				e.name, e.begin, e.end, e.end-e.begin, e.dtype, shapeString(e.shape), size)
		}
	}
	byRange := slices.Clone(entries)
	slices.SortFunc(byRange, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var pos uint64 // end of the bytes covered so far
	for _, e := range byRange {
		switch {
		case e.begin > pos:
			return formatErr(source, dataStart+int64(pos), "data bytes [%d, %d) before tensor %q belong to no tensor", pos, e.begin, e.name)
		case e.begin < pos:
			return formatErr(source, dataStart+int64(e.begin), "tensor %q: data_offsets [%d, %d] overlap another tensor's", e.name, e.begin, e.end)
		}
		pos = e.end
	}
	if pos != dataLen {
		return formatErr(source, dataStart+int64(pos), "data bytes [%d, %d) at the end belong to no tensor", pos, dataLen)
	}
	return nil
}

// invalidUTF8At returns the index of the first byte of b that is not part
// of a valid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// shapeString formats a shape as the header writes it, "[2,3]".
func shapeString(shape []int) string {
	b := []byte{'['}
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(append(b, ']'))
}
