package evalkit

import (
	"strconv"

	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// FormatError reports a malformed input file: a predictions file or a
// thresholds file. Line is the 1-based line the problem concerns, or 0
// when it concerns the whole file.
type FormatError struct {
	Path string // the file, as named to the reader
	Line int
	Msg  string
}

// Error returns "evalkit: <path>:<line>: <msg>", without the line part
// when Line is 0.
func (e *FormatError) Error() string {
	if e.Line <= 0 {
		return "evalkit: " + e.Path + ": " + e.Msg
	}
	return "evalkit: " + e.Path + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// FileError reports a failure to read or write a file; it wraps the
// operating system's error, so errors.Is(err, fs.ErrNotExist) works.
type FileError struct {
	Op   string // "read" or "write"
	Path string
	Err  error
}

// Error returns "evalkit: <op> <path>: <underlying error>", naming the
// path once: "evalkit: read x.csv: no such file or directory".
func (e *FileError) Error() string {
	return "evalkit: " + e.Op + " " + e.Path + ": " + fileerr.Reason(e.Err, e.Path)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// InputError reports arguments that the functions of this package cannot
// work on: slices of mismatched lengths, a class outside [0, classes), a
// score that is not finite, and the like.
type InputError struct {
	Op  string // the function, e.g. "Add" or "SearchThresholds"
	Msg string
}

// Error returns "evalkit: <op>: <msg>".
func (e *InputError) Error() string { return "evalkit: " + e.Op + ": " + e.Msg }
