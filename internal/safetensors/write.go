package safetensors

import (
	"os"
	"path/filepath"
	"runtime"
)

// testHookAfterWrite, when set by a test, runs after the temporary file
// is written and before it is renamed; an error from it aborts the write.
var testHookAfterWrite func() error

// WriteFile encodes tensors and metadata (see Encode) and writes them to
// path atomically: into a temporary file in the same directory, synced,
// then renamed over path, and the directory synced. Readers see the old
// file or the new one, never a part; on error the old file is untouched
// and the temporary file removed. The file gets mode 0644.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	data, err := Encode(tensors, metadata)
	if err != nil {
		return err
	}
	if err := writeAtomic(path, data); err != nil {
		return &FileError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// writeAtomic writes data to path by way of a temporary file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // may already be closed; the first error is the one to report
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if testHookAfterWrite != nil {
		if err = testHookAfterWrite(); err != nil {
			return err
		}
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// and needs nothing of the kind.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
