package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// loadCIFAR decodes CIFAR-10 or CIFAR-100 in either version.
func loadCIFAR(ds *Dataset, s *spec, loc located, coarse bool) error {
	var trainFiles []string
	var testFile string
	switch loc.format {
	case formatCIFAR10Bin, formatCIFAR10Py:
		names := required(loc.format)
		trainFiles, testFile = names[:5], names[5]
	default:
		names := required(loc.format)
		trainFiles, testFile = names[:1], names[1]
	}
	pick := 0 // which label kind: CIFAR-100 records hold coarse, then fine
	if loc.format == formatCIFAR100Bin || loc.format == formatCIFAR100Py {
		pick = 1
		if coarse {
			pick = 0
		}
	}
	read := func(name string, files []string) (*Split, error) {
		var parts []*cifarRecords
		total := 0
		for _, f := range files {
			r, err := readCIFARFile(filepath.Join(loc.dir, f), loc.format)
			if err != nil {
				return nil, err
			}
			parts = append(parts, r)
			total += r.n
		}
		sp := &Split{Name: name, C: 3, H: 32, W: 32}
		if len(parts) == 1 {
			sp.Images, sp.Labels = parts[0].images, parts[0].labels[pick]
			return sp, nil
		}
		sp.Images = make([]uint8, 0, total*cifarPixels)
		sp.Labels = make([]int32, 0, total)
		for _, p := range parts {
			sp.Images = append(sp.Images, p.images...)
			sp.Labels = append(sp.Labels, p.labels[pick]...)
		}
		return sp, nil
	}
	var err error
	if ds.Train, err = read("train", trainFiles); err != nil {
		return err
	}
	if ds.Test, err = read("test", []string{testFile}); err != nil {
		return err
	}
	ds.Classes, err = cifarClasses(s, loc, coarse)
	return err
}

// cifarLabels returns the label keys and limits of a CIFAR format.
func cifarLabels(f format) (keys []string, limits []int) {
	if f == formatCIFAR10Bin || f == formatCIFAR10Py {
		return []string{"labels"}, []int{10}
	}
	return []string{"coarse_labels", "fine_labels"}, []int{20, 100}
}

// readCIFARFile decodes one CIFAR batch file.
func readCIFARFile(path string, f format) (*cifarRecords, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	keys, limits := cifarLabels(f)
	if f == formatCIFAR10Bin || f == formatCIFAR100Bin {
		return readCIFARBin(path, fh, st.Size(), limits)
	}
	return readCIFARPickle(path, fh, st.Size(), keys, limits)
}

// cifarClasses reads the class names from the meta file, or gives the
// known names when there is none.
func cifarClasses(s *spec, loc located, coarse bool) ([]string, error) {
	known := s.classes
	if coarse {
		known = s.coarse
	}
	var file, key string
	switch loc.format {
	case formatCIFAR10Bin:
		file = "batches.meta.txt"
	case formatCIFAR10Py:
		file, key = "batches.meta", "label_names"
	case formatCIFAR100Bin:
		file = "fine_label_names.txt"
		if coarse {
			file = "coarse_label_names.txt"
		}
	case formatCIFAR100Py:
		file, key = "meta", "fine_label_names"
		if coarse {
			key = "coarse_label_names"
		}
	}
	path := filepath.Join(loc.dir, file)
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return known, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer fh.Close()
	if key == "" {
		return readNames(path, fh, len(known))
	}
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return readPickleNames(path, fh, st.Size(), key, len(known))
}

// readNames reads a text file of n class names, one a line; blank lines
// (the CIFAR files end with some) are skipped.
func readNames(file string, r io.Reader, n int) ([]string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	var names []string
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if len(names) == n {
			return nil, formatErr(file, -1, "line "+strconv.Itoa(line)+": more than "+strconv.Itoa(n)+" class names")
		}
		names = append(names, s)
	}
	if err := sc.Err(); err != nil {
		return nil, formatErr(file, -1, "line "+strconv.Itoa(line+1)+": "+err.Error())
	}
	if len(names) != n {
		return nil, formatErr(file, -1, fmt.Sprintf("%d class names, want %d", len(names), n))
	}
	return names, nil
}
