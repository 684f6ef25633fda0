package tfevents

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Event is a decoded event, for tests and tools.
type Event struct {
	Wall    float64
	Step    int64
	Version string
	Values  []Value
}

// Value is one Summary.Value: a scalar or an image.
type Value struct {
	Tag    string
	Scalar float32
	Image  *Image
}

// Image is a decoded Summary.Image.
type Image struct {
	Height, Width, Colorspace int
	PNG                       []byte
}

// ReadRecords splits a TFRecord stream, checking both CRCs of every
// record; the error names the byte offset of the bad record.
func ReadRecords(data []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(data); {
		if len(data)-off < 12 {
			return out, fmt.Errorf("tfevents: truncated record header at offset %d", off)
		}
		n := binary.LittleEndian.Uint64(data[off:])
		if MaskedCRC(data[off:off+8]) != binary.LittleEndian.Uint32(data[off+8:]) {
			return out, fmt.Errorf("tfevents: bad length CRC at offset %d", off)
		}
		if n > uint64(len(data)-off-16) {
			return out, fmt.Errorf("tfevents: record at offset %d overruns the data", off)
		}
		rec := data[off+12 : off+12+int(n)]
		if MaskedCRC(rec) != binary.LittleEndian.Uint32(data[off+12+int(n):]) {
			return out, fmt.Errorf("tfevents: bad data CRC at offset %d", off)
		}
		out = append(out, rec)
		off += 16 + int(n)
	}
	return out, nil
}

// fields calls f for each field of a protobuf message.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// DecodeEvent decodes one Event message.
func DecodeEvent(b []byte) (*Event, error) {
	ev := &Event{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			ev.Wall = math.Float64frombits(x)
		case 2:
			ev.Step = int64(x)
		case 3:
			ev.Version = string(v)
		case 5:
			return fields(v, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
				if num != 1 {
					return nil
				}
				val, err := decodeValue(v)
				if err == nil {
					ev.Values = append(ev.Values, *val)
				}
				return err
			})
		}
		return nil
	})
	return ev, err
}

func decodeValue(b []byte) (*Value, error) {
	val := &Value{}
	err := fields(b, func(num protowire.Number, _ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			val.Tag = string(v)
		case 2:
			val.Scalar = math.Float32frombits(uint32(x))
		case 4:
			val.Image = &Image{}
			return fields(v, func(num protowire.Number, _ protowire.Type, v []byte, x uint64) error {
				switch num {
				case 1:
					val.Image.Height = int(x)
				case 2:
					val.Image.Width = int(x)
				case 3:
					val.Image.Colorspace = int(x)
				case 4:
					val.Image.PNG = append([]byte(nil), v...)
				}
				return nil
			})
		}
		return nil
	})
	return val, err
}
