package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgtrain/wgtrain/internal/fileerr"
)

// EnvData names the environment variable holding a directory of data
// sets: <name>/ subdirectories, or the files themselves.
const EnvData = "WGTRAIN_DATA"

// CacheDir returns the per-user directory for the named data set,
// os.UserCacheDir()/wgtrain/<name>: where Find looks and where `wgtrain
// data download` puts it by default.
func CacheDir(name string) (string, error) {
	if _, err := lookup(name); err != nil {
		return "", err
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no per-user cache directory: %w", err)
	}
	return filepath.Join(c, "wgtrain", name), nil
}

// located is where a data set's files are and in which layout.
type located struct {
	dir    string
	format format
}

// Find returns the directory holding the named data set's files: dir when
// not empty (the files there, in dir/<name>, or in the archive's own
// subdirectory such as cifar-10-batches-py/), else $WGTRAIN_DATA (a
// directory holding <name>/ subdirectories or the files), else the
// per-user cache directory (CacheDir), else the system location
// (/usr/share/datasets/fashion-mnist for Fashion-MNIST). When none holds
// it, the *NotFoundError lists every place looked and how to get the data.
func Find(name, dir string) (string, error) {
	loc, err := locate(name, dir)
	return loc.dir, err
}

// locate is Find, also returning the layout found.
func locate(name, dir string) (located, error) {
	s, err := lookup(name)
	if err != nil {
		return located{}, err
	}
	var looked []string
	try := func(d, origin string) (located, bool) {
		loc, why := s.probe(d)
		if why == "" {
			return loc, true
		}
		looked = append(looked, fmt.Sprintf("%s (%s): %s", d, origin, why))
		return located{}, false
	}
	if dir != "" {
		for _, d := range []string{dir, filepath.Join(dir, name)} {
			if loc, ok := try(d, "--data-dir"); ok {
				return loc, nil
			}
		}
		return located{}, s.notFound(looked, false)
	}
	if env := os.Getenv(EnvData); env != "" {
		for _, d := range []string{filepath.Join(env, name), env} {
			if loc, ok := try(d, "$"+EnvData); ok {
				return loc, nil
			}
		}
	} else {
		looked = append(looked, "$"+EnvData+": not set")
	}
	if c, err := CacheDir(name); err == nil {
		if loc, ok := try(c, "per-user cache"); ok {
			return loc, nil
		}
	} else {
		looked = append(looked, err.Error())
	}
	if s.system != "" {
		if loc, ok := try(s.system, "system"); ok {
			return loc, nil
		}
	}
	return located{}, s.notFound(looked, true)
}

// notFound builds the error for a data set found nowhere.
func (s *spec) notFound(looked []string, searched bool) error {
	dest := "the per-user cache directory"
	if c, err := CacheDir(s.name); err == nil {
		dest = c
	}
	hint := "get it with: wgtrain data download --dataset " + s.name + " (into " + dest + ")"
	if !searched {
		hint = "get it with: wgtrain data download --dataset " + s.name + " --data-dir DIR"
	}
	if s.hint != "" {
		hint += "\n" + s.hint
	}
	return &NotFoundError{Name: s.name, Looked: looked, Hint: hint}
}

// probe reports whether dir holds the data set, directly or in one of its
// subdirectories; when not, why says what is there instead.
func (s *spec) probe(dir string) (loc located, why string) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return loc, "no such directory"
	case err != nil:
		return loc, fileerr.Reason(err, dir)
	case !st.IsDir():
		return loc, "not a directory"
	}
	var partial []string
	for _, sub := range s.subdirs {
		d := filepath.Join(dir, sub)
		for _, f := range s.formats {
			var have, missing []string
			for _, r := range required(f) {
				if _, ok := findFile(d, r, f == formatIDX); ok {
					have = append(have, r)
				} else {
					missing = append(missing, r)
				}
			}
			if len(missing) == 0 {
				return located{dir: d, format: f}, ""
			}
			if len(have) > 0 {
				// The line names dir already: name only a subdirectory.
				where := "incomplete"
				if sub != "" {
					where = sub + "/ is incomplete"
				}
				partial = append(partial, fmt.Sprintf("%s: missing %s", where, strings.Join(missing, ", ")))
			}
		}
	}
	if len(partial) > 0 {
		return loc, strings.Join(partial, "; ")
	}
	return loc, "no " + s.title + " files (want " + s.want() + ")"
}

// want describes the files a directory must hold.
func (s *spec) want() string {
	switch s.formats[0] {
	case formatIDX:
		return strings.Join(idxFiles, ", ") + ", each .gz or not, directly or in " + s.subdirs[1] + "/"
	case formatCIFAR10Bin:
		return "data_batch_1..5 and test_batch (python) or data_batch_1..5.bin and test_batch.bin (binary), directly or in cifar-10-batches-py/ or cifar-10-batches-bin/"
	default:
		return "train and test (python) or train.bin and test.bin (binary), directly or in cifar-100-python/ or cifar-100-binary/"
	}
}

// findFile returns the path of dir/name when it is a regular file; with
// gz, dir/name.gz is tried first.
func findFile(dir, name string, gz bool) (string, bool) {
	names := []string{name}
	if gz {
		names = []string{name + ".gz", name}
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}
