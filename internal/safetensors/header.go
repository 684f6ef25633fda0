package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// entry is one tensor's header entry, with the file offsets of its parts
// for error messages.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64 // data_offsets, relative to the data section
	at         int64  // file offset of the name
	shapeAt    int64  // file offset of the shape array
	offsetsAt  int64  // file offset of the data_offsets array
}

// headerParser walks the JSON header token by token, so that duplicate
// keys are seen (decoding into a map would keep the last silently) and no
// value is ever nested deeper than the format allows.
type headerParser struct {
	dec    *json.Decoder
	raw    []byte // the header, which starts at file offset 8
	source string
}

// formatErr builds the *FormatError every parse failure is.
func formatErr(source string, off int64, format string, args ...any) error {
	return &FormatError{Source: source, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (p *headerParser) fail(at int64, format string, args ...any) error {
	return formatErr(p.source, at, format, args...)
}

// parseHeader parses the JSON header raw into its tensor entries, in file
// order, and its metadata (nil when absent).
func parseHeader(raw []byte, source string) ([]entry, map[string]string, error) {
	p := &headerParser{dec: json.NewDecoder(bytes.NewReader(raw)), raw: raw, source: source}
	p.dec.UseNumber()
	if err := p.open("header must be a JSON object"); err != nil {
		return nil, nil, err
	}
	var entries []entry
	var meta map[string]string
	seen := make(map[string]bool)
	for {
		key, at, done, err := p.key()
		if err != nil || done {
			if err == nil {
				err = p.end()
			}
			return entries, meta, err
		}
		if seen[key] {
			return nil, nil, p.fail(at, "duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "__metadata__":
			meta, err = p.metadata()
		case "":
			err = p.fail(at, "empty tensor name")
		default:
			var e entry
			e, err = p.entry(key, at)
			entries = append(entries, e)
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// next returns the next token and the file offset where it starts.
func (p *headerParser) next() (json.Token, int64, error) {
	pos := p.skip(" \t\r\n:,")
	tok, err := p.dec.Token()
	if err != nil {
		return nil, 8 + pos, p.syntaxErr(err, pos)
	}
	return tok, 8 + pos, nil
}

// syntaxErr turns a json.Decoder error met reading the token that starts
// at header offset pos into a *FormatError at pos. (The decoder's own
// SyntaxError.Offset is measured differently by different code paths.)
func (p *headerParser) syntaxErr(err error, pos int64) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return p.fail(8+pos, "header is not valid JSON: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.fail(8+int64(len(p.raw)), "header JSON ends early")
	}
	return p.fail(8+pos, "header is not valid JSON: %v", err)
}

// open reads the '{' that starts an object, failing with msg otherwise.
func (p *headerParser) open(msg string) error {
	tok, at, err := p.next()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return p.fail(at, "%s", msg)
	}
	return nil
}

// key reads an object key, or the '}' that ends the object (done).
func (p *headerParser) key() (key string, at int64, done bool, err error) {
	tok, at, err := p.next()
	if err != nil {
		return "", at, false, err
	}
	if tok == json.Delim('}') {
		return "", at, true, nil
	}
	key, ok := tok.(string)
	if !ok { // the decoder allows only strings here; be safe anyway
		return "", at, false, p.fail(at, "object key is not a string")
	}
	return key, at, false, nil
}

// skip returns the header offset of the first byte at or after the
// decoder's position that is not in set.
func (p *headerParser) skip(set string) int64 {
	pos := p.dec.InputOffset()
	for pos < int64(len(p.raw)) && strings.IndexByte(set, p.raw[pos]) >= 0 {
		pos++
	}
	return pos
}

// end checks that nothing but whitespace follows the header object.
func (p *headerParser) end() error {
	pos := p.skip(" \t\r\n")
	tok, err := p.dec.Token()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return p.syntaxErr(err, pos)
	}
	return p.fail(8+pos, "data after the header object (%v)", tok)
}

// metadata reads the __metadata__ object, whose values must be strings.
func (p *headerParser) metadata() (map[string]string, error) {
	const msg = "__metadata__ must be an object of string values"
	if err := p.open(msg); err != nil {
		return nil, err
	}
	m := make(map[string]string)
	for {
		key, at, done, err := p.key()
		if err != nil || done {
			return m, err
		}
		if _, dup := m[key]; dup {
			return nil, p.fail(at, "duplicate __metadata__ key %q", key)
		}
		tok, vat, err := p.next()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, p.fail(vat, "%s: value of %q is not a string", msg, key)
		}
		m[key] = v
	}
}

// entry reads one tensor's object: exactly dtype, shape and data_offsets.
func (p *headerParser) entry(name string, at int64) (entry, error) {
	e := entry{name: name, at: at}
	if err := p.open(fmt.Sprintf("tensor %q: entry must be an object", name)); err != nil {
		return e, err
	}
	var haveDType, haveShape, haveOffsets bool
	for {
		key, kat, done, err := p.key()
		if err != nil {
			return e, err
		}
		if done {
			break
		}
		switch key {
		case "dtype":
			if haveDType {
				return e, p.fail(kat, "tensor %q: duplicate field \"dtype\"", name)
			}
			haveDType = true
			if e.dtype, err = p.dtype(name); err != nil {
				return e, err
			}
		case "shape":
			if haveShape {
				return e, p.fail(kat, "tensor %q: duplicate field \"shape\"", name)
			}
			haveShape = true
			if e.shape, e.shapeAt, err = p.shape(name); err != nil {
				return e, err
			}
		case "data_offsets":
			if haveOffsets {
				return e, p.fail(kat, "tensor %q: duplicate field \"data_offsets\"", name)
			}
			haveOffsets = true
			if e.begin, e.end, e.offsetsAt, err = p.offsets(name); err != nil {
				return e, err
			}
		default:
			return e, p.fail(kat, "tensor %q: unknown field %q", name, key)
		}
	}
	switch {
	case !haveDType:
		return e, p.fail(at, "tensor %q: no dtype", name)
	case !haveShape:
		return e, p.fail(at, "tensor %q: no shape", name)
	case !haveOffsets:
		return e, p.fail(at, "tensor %q: no data_offsets", name)
	}
	return e, nil
}

// dtype reads a dtype string, which must name a known dtype.
func (p *headerParser) dtype(name string) (DType, error) {
	tok, at, err := p.next()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", p.fail(at, "tensor %q: dtype is not a string", name)
	}
	if dt := DType(s); dt.Known() {
		return dt, nil
	}
	return "", p.fail(at, "tensor %q: unknown dtype %q", name, s)
}

// shape reads the shape array: at most MaxRank extents, each fitting an int.
func (p *headerParser) shape(name string) ([]int, int64, error) {
	vals, at, err := p.uints(name, "shape", MaxRank)
	if err != nil {
		return nil, at, err
	}
	shape := make([]int, len(vals))
	for i, v := range vals {
		if v > math.MaxInt {
			return nil, at, p.fail(at, "tensor %q: shape extent %d is too large", name, v)
		}
		shape[i] = int(v)
	}
	return shape, at, nil
}

// offsets reads data_offsets, which must be exactly two integers.
func (p *headerParser) offsets(name string) (begin, end uint64, at int64, err error) {
	vals, at, err := p.uints(name, "data_offsets", 2)
	if err != nil {
		return 0, 0, at, err
	}
	if len(vals) != 2 {
		return 0, 0, at, p.fail(at, "tensor %q: data_offsets must hold two integers, not %d", name, len(vals))
	}
	return vals[0], vals[1], at, nil
}

// uints reads an array of at most limit non-negative integers and returns
// it with the file offset of its '['.
func (p *headerParser) uints(name, field string, limit int) ([]uint64, int64, error) {
	tok, at, err := p.next()
	if err != nil {
		return nil, at, err
	}
	if tok != json.Delim('[') {
		return nil, at, p.fail(at, "tensor %q: %s must be an array of non-negative integers", name, field)
	}
	vals := make([]uint64, 0, limit)
	for {
		tok, vat, err := p.next()
		if err != nil {
			return nil, at, err
		}
		if tok == json.Delim(']') {
			return vals, at, nil
		}
		if len(vals) == limit {
			return nil, at, p.fail(vat, "tensor %q: %s has more than %d elements", name, field, limit)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, at, p.fail(vat, "tensor %q: %s must be an array of non-negative integers", name, field)
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, at, p.fail(vat, "tensor %q: %s element %s is not a non-negative 64-bit integer", name, field, num)
		}
		vals = append(vals, v)
	}
}
