package datasets

import (
	"fmt"
	"io"
	"slices"

	"github.com/nlpodyssey/gopickle/types"
)

// readCIFARPickle decodes a batch file of CIFAR's Python version: a dict
// (bytes keys, or Python 2 str) holding b'data', a numpy uint8 array of
// shape (N, 3072), and, for each of labelKeys, a list of N ints below the
// matching limit (CIFAR-10: b'labels'; CIFAR-100: b'coarse_labels',
// b'fine_labels').
func readCIFARPickle(file string, r io.ReaderAt, size int64, labelKeys []string, limits []int) (*cifarRecords, error) {
	return readPickleRows(file, r, size, labelKeys, limits, cifarPixels)
}

// readPickleRows is readCIFARPickle for rows of row bytes (cifarPixels;
// the fuzz test uses short ones, so that its inputs are small).
func readPickleRows(file string, r io.ReaderAt, size int64, labelKeys []string, limits []int, row int) (*cifarRecords, error) {
	d, err := readPickleDict(file, r, size)
	if err != nil {
		return nil, err
	}
	bad := func(key, format string, args ...any) error {
		return formatErr(file, -1, fmt.Sprintf("key %q: ", key)+fmt.Sprintf(format, args...))
	}
	dv, err := dictEntry(file, d, "data")
	if err != nil {
		return nil, err
	}
	a, ok := dv.(*ndarray)
	if !ok || !a.built {
		return nil, bad("data", "%s, want a numpy uint8 array", pyType(dv))
	}
	if len(a.shape) != 2 || a.shape[1] != row || a.shape[0] == 0 {
		return nil, bad("data", "numpy array of shape %v, want (N, %d) with N > 0", a.shape, row)
	}
	n := a.shape[0]
	images := a.data
	if a.fortran { // column-major: element (i, j) is at j*n + i
		images = make([]byte, len(a.data))
		for j := range row {
			col := a.data[j*n : (j+1)*n]
			for i, b := range col {
				images[i*row+j] = b
			}
		}
	}
	out := &cifarRecords{n: n, images: images}
	for k, key := range labelKeys {
		lv, err := dictEntry(file, d, key)
		if err != nil {
			return nil, err
		}
		l, ok := lv.(*types.List)
		if !ok || l == nil {
			return nil, bad(key, "%s, want a list of ints", pyType(lv))
		}
		if len(*l) != n {
			return nil, bad(key, "%d labels for %d images", len(*l), n)
		}
		labels := make([]int32, n)
		for i, x := range *l {
			c, ok := pyInt(x)
			if !ok {
				return nil, bad(key, "record %d: label is %s, want an int", i, pyType(x))
			}
			if c < 0 || c >= limits[k] {
				return nil, bad(key, "record %d: label %d out of range [0,%d)", i, c, limits[k])
			}
			labels[i] = int32(c)
		}
		out.labels = append(out.labels, labels)
	}
	return out, nil
}

// readPickleNames decodes a CIFAR meta file (batches.meta, meta) and
// returns the list of names under key, which must have n entries.
func readPickleNames(file string, r io.ReaderAt, size int64, key string, n int) ([]string, error) {
	d, err := readPickleDict(file, r, size)
	if err != nil {
		return nil, err
	}
	lv, err := dictEntry(file, d, key)
	if err != nil {
		return nil, err
	}
	l, ok := lv.(*types.List)
	if !ok || l == nil || len(*l) != n {
		what := pyType(lv)
		if ok && l != nil {
			what = fmt.Sprintf("a list of %d", len(*l))
		}
		return nil, formatErr(file, -1, fmt.Sprintf("key %q: %s, want a list of %d names", key, what, n))
	}
	names := make([]string, n)
	for i, x := range *l {
		s, ok := pyString(x)
		if !ok {
			return nil, formatErr(file, -1, fmt.Sprintf("key %q: name %d is %s, want a string", key, i, pyType(x)))
		}
		names[i] = s
	}
	return names, nil
}

// readPickleDict unpickles the size bytes of r, which must hold a dict,
// and returns its entries whose keys are strings or bytes; other keys are
// left out.
func readPickleDict(file string, r io.ReaderAt, size int64) (map[string]any, error) {
	v, err := decodePickle(file, r, size)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*types.Dict)
	if !ok || d == nil {
		return nil, formatErr(file, -1, fmt.Sprintf("the pickle holds %s, want a dict", pyType(v)))
	}
	m := make(map[string]any, len(*d))
	for _, e := range *d {
		if k, ok := pyString(e.Key); ok {
			m[k] = e.Value
		}
	}
	return m, nil
}

// dictEntry returns d[key], or an error naming the keys d has.
func dictEntry(file string, d map[string]any, key string) (any, error) {
	v, ok := d[key]
	if !ok {
		return nil, formatErr(file, -1, fmt.Sprintf("no key %q in the pickled dict (keys: %v)", key, keysOf(d)))
	}
	return v, nil
}

// keysOf lists a dict's keys, for errors.
func keysOf(d map[string]any) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
