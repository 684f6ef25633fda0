package safetensors

import (
	"fmt"
	"strconv"

	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// FormatError reports a malformed safetensors file. Offset is the byte
// offset in the file (header or data section) that the problem concerns,
// or -1 when there is none.
type FormatError struct {
	Source string // the file, as named to Parse
	Offset int64
	Msg    string
}

// Error returns "safetensors: <source>: offset <n>: <msg>", without the
// offset part when Offset is -1.
func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return "safetensors: " + e.Source + ": " + e.Msg
	}
	return "safetensors: " + e.Source + ": offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg
}

// TensorError reports a tensor that cannot be encoded or converted: a bad
// name, a shape that does not match its data, and the like; Encode also
// uses it for bad metadata and an oversized header.
type TensorError struct {
	Op     string // "encode", "Float32s", "Int64s"
	Tensor string // the tensor's name
	Msg    string
}

// Error returns "safetensors: <op>: tensor <name>: <msg>", without the
// tensor part when Tensor is empty (an error about the metadata, the whole
// header, or a tensor without a name).
func (e *TensorError) Error() string {
	if e.Tensor == "" {
		return "safetensors: " + e.Op + ": " + e.Msg
	}
	return fmt.Sprintf("safetensors: %s: tensor %q: %s", e.Op, e.Tensor, e.Msg)
}

// DTypeError reports a tensor read with an accessor for another dtype,
// such as Float32s on a BF16 tensor from a foreign file.
type DTypeError struct {
	Tensor string // the tensor's name
	DType  DType  // the tensor's dtype
	Want   DType  // the dtype the accessor converts
}

// Error returns "safetensors: unsupported dtype <dtype> for tensor <name>, want <dtype>".
func (e *DTypeError) Error() string {
	return fmt.Sprintf("safetensors: unsupported dtype %s for tensor %q, want %s", e.DType, e.Tensor, e.Want)
}

// FileError reports a failure to read or write a file; it wraps the
// operating system's error, so errors.Is(err, fs.ErrNotExist) works.
type FileError struct {
	Op   string // "read" or "write"
	Path string
	Err  error
}

// Error returns "safetensors: <op> <path>: <underlying error>", naming
// the path once: "safetensors: read x.safetensors: no such file or
// directory".
func (e *FileError) Error() string {
	return "safetensors: " + e.Op + " " + e.Path + ": " + fileerr.Reason(e.Err, e.Path)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }
