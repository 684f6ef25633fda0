// Package fileerr words the errors of file operations so that a message
// names each file once: a package that says "read x.csv: " itself takes
// only the reason from the operating system's error, which names the file
// too ("open x.csv: no such file or directory").
package fileerr

import "io/fs"

// Reason returns err's text without the operation and path when err is
// an *fs.PathError about path: "no such file or directory" rather than
// "open x.csv: no such file or directory". Any other error's text,
// including one that wraps such an error in more words, is returned whole.
func Reason(err error, path string) string {
	if pe, ok := err.(*fs.PathError); ok && pe.Path == path {
		return pe.Err.Error()
	}
	return err.Error()
}
