package datasets

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/nlpodyssey/gopickle/pickle"
)

// Limits on a pickle, far above what the CIFAR files need (CIFAR-100's
// train file has about 250,000 opcodes and marks nested 2 deep), so that
// a corrupt or hostile file cannot exhaust memory.
const (
	maxPickleOps   = 1 << 22
	maxPickleMarks = 64
	maxPickleLine  = 1 << 16 // a text argument (a module name, a decimal int)
	maxPickleLong  = 1 << 16 // the bytes of a LONG4 integer
)

// opArg is how a pickle opcode's argument is encoded.
type opArg int8

const (
	argNone  opArg = iota
	argFixed       // fixed-size: argLen bytes
	argLines       // argLen newline-terminated lines
	argLen1        // a 1-byte length, then that many bytes
	argLen4        // a 4-byte little-endian length (signed), then bytes
	argLen4U       // a 4-byte little-endian length (unsigned), then bytes
	argLen8        // an 8-byte little-endian length, then bytes
	argFrame       // an 8-byte frame length; the frame's opcodes follow
)

// lenBytes is the size of the length of each length-prefixed argument.
var lenBytes = [...]int{argLen1: 1, argLen4: 4, argLen4U: 4, argLen8: 8, argFrame: 8}

// opInfo describes an opcode for the scanner.
type opInfo struct {
	arg  opArg
	n    int // bytes for argFixed, lines for argLines
	mark int // +1 pushes a MARK, -1 pops one
}

// pickleOps lists every opcode of pickle protocols 0 to 5 (Python's
// pickletools), which is what gopickle decodes.
var pickleOps = func() (t [256]*opInfo) {
	set := func(ops string, i opInfo) {
		for _, c := range []byte(ops) {
			t[c] = &i
		}
	}
	set(".02N)]}abdRQsu"+"\x81\x85\x86\x87\x88\x89\x8f\x92\x93\x94\x97\x98", opInfo{})
	set("(", opInfo{mark: +1})
	set("tlde1o\x90\x91", opInfo{mark: -1})
	set("FILSVPgp", opInfo{arg: argLines, n: 1})
	set("c", opInfo{arg: argLines, n: 2})
	set("i", opInfo{arg: argLines, n: 2, mark: -1})
	set("K\x80\x82hq", opInfo{arg: argFixed, n: 1})
	set("M\x83", opInfo{arg: argFixed, n: 2})
	set("J\x84jr", opInfo{arg: argFixed, n: 4})
	set("G", opInfo{arg: argFixed, n: 8})
	set("UC\x8a\x8c", opInfo{arg: argLen1})
	set("T\x8b", opInfo{arg: argLen4})
	set("XB", opInfo{arg: argLen4U})
	set("\x8d\x8e\x96", opInfo{arg: argLen8})
	set("\x95", opInfo{arg: argFrame})
	return t
}()

// scanPickle walks the opcodes of a pickle of size bytes without building
// anything, the way pickletools.genops does, and checks what the
// unpickler would otherwise trust: every opcode is known, every length
// fits in the file, marks are not nested absurdly deep, and the pickle
// ends with STOP.
func scanPickle(file string, r io.Reader, size int64) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var off int64
	marks := 0
	for ops := 0; ; ops++ {
		start := off
		op, err := br.ReadByte()
		if err != nil {
			return scanErr(file, off, "the pickle ends without a STOP opcode", err)
		}
		off++
		info := pickleOps[op]
		if info == nil {
			return formatErr(file, start, fmt.Sprintf("unknown pickle opcode 0x%02x", op))
		}
		if ops >= maxPickleOps {
			return formatErr(file, start, fmt.Sprintf("more than %d pickle opcodes: not a CIFAR file", maxPickleOps))
		}
		if op == '.' {
			return nil
		}
		marks += info.mark
		if marks < 0 {
			return formatErr(file, start, fmt.Sprintf("pickle opcode %q without a MARK before it", op))
		}
		if marks > maxPickleMarks {
			return formatErr(file, start, fmt.Sprintf("pickle MARKs nested more than %d deep", maxPickleMarks))
		}
		var n int64 // bytes to skip after the length
		switch info.arg {
		case argFixed:
			n = int64(info.n)
		case argLines:
			for range info.n {
				for k := 0; ; k++ {
					c, err := br.ReadByte()
					if err != nil {
						return scanErr(file, start, fmt.Sprintf("pickle opcode %q: the file ends inside its argument", op), err)
					}
					off++
					if c == '\n' {
						break
					}
					if k >= maxPickleLine {
						return formatErr(file, start, fmt.Sprintf("pickle opcode %q: argument longer than %d bytes", op, maxPickleLine))
					}
				}
			}
		case argLen1, argLen4, argLen4U, argLen8, argFrame:
			k := lenBytes[info.arg]
			var b [8]byte
			if _, err := io.ReadFull(br, b[:k]); err != nil {
				return scanErr(file, start, fmt.Sprintf("pickle opcode %q: the file ends inside its length", op), err)
			}
			off += int64(k)
			switch info.arg {
			case argLen1:
				n = int64(b[0])
			case argLen4:
				n = int64(int32(binary.LittleEndian.Uint32(b[:4])))
			case argLen4U:
				n = int64(binary.LittleEndian.Uint32(b[:4]))
			default:
				u := binary.LittleEndian.Uint64(b[:8])
				n = int64(u)
				if u > 1<<62 {
					n = -1
				}
			}
			if n < 0 || n > size-off {
				return formatErr(file, start, fmt.Sprintf("pickle opcode %q: length %d runs past the end of the file (%d bytes left)", op, n, size-off))
			}
			if op == 0x8b && n > maxPickleLong { // LONG4
				return formatErr(file, start, fmt.Sprintf("pickle integer of %d bytes", n))
			}
			if info.arg == argFrame {
				n = 0 // the frame's contents are opcodes: walk them
			}
		}
		if n > 0 {
			if n > size-off {
				return formatErr(file, start, fmt.Sprintf("pickle opcode %q: the file ends inside its argument", op))
			}
			if _, err := br.Discard(int(n)); err != nil {
				return scanErr(file, start, fmt.Sprintf("pickle opcode %q: the file ends inside its argument", op), err)
			}
			off += n
		}
	}
}

// scanErr reports a pickle that ended early, or a read error.
func scanErr(file string, off int64, msg string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(file, off, "truncated: "+msg)
	}
	return readErr(file, err)
}

// decodePickle checks and unpickles the size bytes of r. Only the Python
// globals that numpy arrays of bytes need are allowed (see findGlobal);
// nothing is executed. A failure, even a panic inside the unpickler,
// becomes a *FormatError at the offset where decoding stopped.
func decodePickle(file string, r io.ReaderAt, size int64) (v any, err error) {
	if err := scanPickle(file, io.NewSectionReader(r, 0, size), size); err != nil {
		return nil, err
	}
	cr := &countByteReader{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<16)}
	u := pickle.NewUnpickler(cr)
	u.FindClass = findGlobal
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, formatErr(file, cr.n, fmt.Sprintf("malformed pickle: %v", p))
		}
	}()
	v, err = u.Load()
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, formatErr(file, cr.n, "malformed pickle: "+err.Error())
	}
	return v, nil
}

// countByteReader is a buffered reader that counts the bytes read.
type countByteReader struct {
	br *bufio.Reader
	n  int64
}

func (c *countByteReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countByteReader) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
