// Package atomicfile writes files so that a crash never leaves a
// half-written file under the final name: the data go to a temporary file
// in the same directory, which is synced and then renamed over the final
// name (and the directory synced, so that the rename survives a crash).
//
// Its errors are *fs.PathError values with the operation "write" and the
// final name, whatever step failed on the temporary file, so that a
// message names the file the caller asked for, once.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written; its contents appear under the final name
// only when Commit succeeds.
type File struct {
	*os.File
	path string
	perm os.FileMode
	done bool
}

// Create starts writing path. The caller writes through the returned
// File, then calls Commit, or Abort to leave path untouched.
func Create(path string, perm os.FileMode) (*File, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, writeErr(path, err)
	}
	return &File{File: f, path: path, perm: perm}, nil
}

// writeErr returns a failure on path's temporary file as an *fs.PathError
// on path itself, keeping only the reason of err when it concerns another
// path: "write x.csv: no such file or directory", not "open
// .x.csv.tmp123: ...".
func writeErr(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: "write", Path: path, Err: err}
}

// Commit syncs the data and renames the temporary file to the final name.
// On error the temporary file is removed and the final name is untouched.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s: already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.Name()
	err := f.Chmod(f.perm)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return writeErr(f.path, err)
	}
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// Abort discards what was written; it is a no-op after Commit, so it can
// be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path atomically with the given permissions.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return writeErr(path, err)
	}
	return f.Commit()
}
