package safetensors

import (
	"cmp"
	"encoding/binary"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Encode returns the safetensors encoding of tensors and metadata. The
// output is deterministic: tensors in name order with contiguous offsets
// from 0, metadata keys sorted, no __metadata__ entry when metadata is
// empty, and the header padded with spaces so that the data starts at a
// multiple of 8 bytes. Encode checks its input and returns a *TensorError
// for an empty, duplicate, reserved or non-UTF-8 name, an unknown dtype, a
// shape of negative extent or rank over MaxRank, data whose length is not
// the shape's size, metadata that is not valid UTF-8, or a header over
// MaxHeaderSize. tensors is not modified.
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	order := make([]*Tensor, len(tensors))
	for i := range tensors {
		order[i] = &tensors[i]
	}
	slices.SortFunc(order, func(a, b *Tensor) int { return cmp.Compare(a.Name, b.Name) })
	for i, t := range order {
		if err := checkTensor(t); err != nil {
			return nil, err
		}
		if i > 0 && order[i-1].Name == t.Name {
			return nil, &TensorError{Op: "encode", Tensor: t.Name, Msg: "duplicate name"}
		}
	}
	keys := slices.Sorted(maps.Keys(metadata))
	for _, k := range keys {
		if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
			return nil, &TensorError{Op: "encode", Msg: "metadata key or value " + strconv.Quote(k) + " is not valid UTF-8"}
		}
	}

	h := []byte{'{'}
	if len(keys) > 0 {
		h = append(h, `"__metadata__":{`...)
		for i, k := range keys {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendJSONString(h, k)
			h = append(h, ':')
			h = appendJSONString(h, metadata[k])
		}
		h = append(h, '}')
	}
	var offset uint64
	for i, t := range order {
		if i > 0 || len(keys) > 0 {
			h = append(h, ',')
		}
		h = appendJSONString(h, t.Name)
		h = append(h, `:{"dtype":`...)
		h = appendJSONString(h, string(t.DType))
		h = append(h, `,"shape":`...)
		h = append(h, shapeString(t.Shape)...)
		h = append(h, `,"data_offsets":[`...)
		h = strconv.AppendUint(h, offset, 10)
		h = append(h, ',')
		offset += uint64(len(t.Data))
		h = strconv.AppendUint(h, offset, 10)
		h = append(h, "]}"...)
	}
	h = append(h, '}')
	for (8+len(h))%8 != 0 {
		h = append(h, ' ')
	}
	if len(h) > MaxHeaderSize {
		return nil, &TensorError{Op: "encode", Msg: "header of " + itoa(len(h)) + " bytes exceeds the " + itoa(MaxHeaderSize) + "-byte limit"}
	}

	out := make([]byte, 8, 8+len(h)+int(offset))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, t := range order {
		out = append(out, t.Data...)
	}
	return out, nil
}

// checkTensor checks one tensor for Encode.
func checkTensor(t *Tensor) error {
	bad := func(msg string) error { return &TensorError{Op: "encode", Tensor: t.Name, Msg: msg} }
	switch {
	case t.Name == "":
		return bad("empty name")
	case t.Name == "__metadata__":
		return bad("name is reserved for the metadata")
	case !utf8.ValidString(t.Name):
		return bad("name is not valid UTF-8")
	case !t.DType.Known():
		return bad("unknown dtype " + strconv.Quote(string(t.DType)))
	case len(t.Shape) > MaxRank:
		return bad("rank " + itoa(len(t.Shape)) + " exceeds " + itoa(MaxRank))
	}
	size, ok := byteSize(t.Shape, t.DType)
	if !ok {
		return bad("invalid shape " + shapeString(t.Shape))
	}
	if len(t.Data) != size {
		return bad("has " + itoa(len(t.Data)) + " data bytes, " + string(t.DType) + " " +
			shapeString(t.Shape) + " needs " + itoa(size))
	}
	return nil
}

// appendJSONString appends s, which must be valid UTF-8, as a JSON string,
// escaping only what JSON requires.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied as is
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
