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

// LoadOptions are the choices Load offers.
type LoadOptions struct {
	// Coarse selects CIFAR-100's 20 coarse labels instead of the 100
	// fine ones; it is an error for the other data sets.
	Coarse bool
}

// Dataset is a decoded data set: both splits and the class names.
type Dataset struct {
	Name    string   // one of Names()
	Classes []string // class names, indexed by label
	Train   *Split
	Test    *Split
	Dir     string // where the files were found
}

// Load finds the named data set (see Find; dir may be "") and decodes
// both its train and test splits.
func Load(name, dir string, opts LoadOptions) (*Dataset, error) {
	s, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if opts.Coarse && name != "cifar100" {
		return nil, fmt.Errorf("datasets: coarse labels exist only for cifar100, not %s", name)
	}
	loc, err := locate(name, dir)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Name: name, Dir: loc.dir}
	switch loc.format {
	case formatIDX:
		err = loadIDX(ds, s, loc.dir)
	default:
		err = loadCIFAR(ds, s, loc, opts.Coarse)
	}
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// loadIDX decodes MNIST or Fashion-MNIST.
func loadIDX(ds *Dataset, s *spec, dir string) error {
	ds.Classes = s.classes
	var err error
	if ds.Train, err = readIDXSplit("train", dir, "train", len(s.classes)); err != nil {
		return err
	}
	if ds.Test, err = readIDXSplit("test", dir, "t10k", len(s.classes)); err != nil {
		return err
	}
	if ds.Train.H != ds.Test.H || ds.Train.W != ds.Test.W {
		return fmt.Errorf("datasets: %s: train images are %dx%d but test images %dx%d",
			dir, ds.Train.H, ds.Train.W, ds.Test.H, ds.Test.W)
	}
	return nil
}

// readIDXSplit reads prefix-images-idx3-ubyte and prefix-labels-idx1-ubyte
// (each .gz or not) from dir.
func readIDXSplit(name, dir, prefix string, classes int) (*Split, error) {
	imgPath, _ := findFile(dir, prefix+"-images-idx3-ubyte", true)
	labPath, _ := findFile(dir, prefix+"-labels-idx1-ubyte", true)
	img, err := readIDXFile(imgPath, 3)
	if err != nil {
		return nil, err
	}
	lab, err := readIDXFile(labPath, 1)
	if err != nil {
		return nil, err
	}
	if lab.dims[0] != img.dims[0] {
		return nil, formatErr(labPath, 4, fmt.Sprintf("%d labels, but %s holds %d images", lab.dims[0], filepath.Base(imgPath), img.dims[0]))
	}
	labels := make([]int32, len(lab.data))
	for i, l := range lab.data {
		if int(l) >= classes {
			return nil, formatErr(labPath, lab.head+int64(i), fmt.Sprintf("record %d: label %d out of range [0,%d)", i, l, classes))
		}
		labels[i] = int32(l)
	}
	return &Split{Name: name, Images: img.data, Labels: labels, C: 1, H: img.dims[1], W: img.dims[2]}, nil
}

// readIDXFile opens and decodes an IDX file.
func readIDXFile(path string, ndims int) (*idxData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return readIDX(path, f, ndims)
}

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
