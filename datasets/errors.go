package datasets

import (
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// FormatError reports a malformed data file. Offset is the byte offset in
// the file that the problem concerns (in the uncompressed stream for a
// gzipped file), or -1 when there is none, as for a pickle that decodes
// but holds the wrong shape; Msg names the record or key when there is one.
type FormatError struct {
	File   string // the file's path
	Offset int64
	Msg    string
}

// Error returns "datasets: <file>: offset <n>: <msg>", without the offset
// part when Offset is -1.
func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return "datasets: " + e.File + ": " + e.Msg
	}
	return "datasets: " + e.File + ": offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg
}

// NotFoundError reports a data set that is in none of the places Find
// looks. Looked lists each place with what was wrong there; Hint says how
// to get the data.
type NotFoundError struct {
	Name   string
	Looked []string
	Hint   string
}

// Error lists every place looked in and how to get the data, one line each.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("datasets: " + e.Name + " not found; looked in:")
	for _, l := range e.Looked {
		b.WriteString("\n  " + l)
	}
	if e.Hint != "" {
		b.WriteString("\n" + e.Hint)
	}
	return b.String()
}

// UnknownError reports a data set name that is not one of Names().
type UnknownError struct{ Name string }

// Error returns "datasets: unknown data set <name> (want one of ...)".
func (e *UnknownError) Error() string {
	return "datasets: unknown data set " + strconv.Quote(e.Name) + " (want one of " + strings.Join(Names(), ", ") + ")"
}

// DownloadError reports a failed download: a bad HTTP status, a connection
// cut before the end, or a checksum that does not match.
type DownloadError struct {
	URL string
	Msg string
	Err error // the underlying error, if any
}

// Error returns "datasets: download <url>: <msg>[: <err>]".
func (e *DownloadError) Error() string {
	s := "datasets: download " + e.URL + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *DownloadError) Unwrap() error { return e.Err }

// readError is a failed read of a data file; it wraps the operating
// system's error.
type readError struct {
	file string
	err  error
}

// Error returns "datasets: read <file>: <reason>", naming the file once.
func (e *readError) Error() string {
	return "datasets: read " + e.file + ": " + fileerr.Reason(e.err, e.file)
}

func (e *readError) Unwrap() error { return e.err }

// readErr returns a *readError.
func readErr(file string, err error) error { return &readError{file, err} }

// formatErr returns a *FormatError.
func formatErr(file string, off int64, msg string) *FormatError {
	return &FormatError{File: file, Offset: off, Msg: msg}
}

// ImageError reports an image file that cannot be used: unreadable,
// not an image, corrupt or truncated, or of an absurd size. File is the
// path as the caller gave it (relative to the folder's root for a folder
// data set).
type ImageError struct {
	File string
	Err  error
}

// Error returns "datasets: <file>: <reason>".
func (e *ImageError) Error() string { return "datasets: " + e.File + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *ImageError) Unwrap() error { return e.Err }

// FolderError reports a folder data set whose layout is wrong: a class
// folder with no images, fewer than two classes, train/ and test/ with
// different classes, a test split too large. Dir is the folder
// concerned.
type FolderError struct {
	Dir string
	Msg string
}

// Error returns "datasets: <dir>: <msg>".
func (e *FolderError) Error() string { return "datasets: " + e.Dir + ": " + e.Msg }
