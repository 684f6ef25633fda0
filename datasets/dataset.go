package datasets

import (
	"fmt"
	"io"
)

// LoadOptions are the choices Load offers.
type LoadOptions struct {
	// Coarse selects CIFAR-100's 20 coarse labels instead of the 100
	// fine ones; it is an error for the other data sets.
	Coarse bool

	// The options of a folder data set (Folder); the others ignore them.

	// ImageSize is the side S of the square images (0: 32): the short
	// side is resized to S and the centre S×S cropped.
	ImageSize int
	// Channels is 1 (luma) or 3 (RGB); 0 means 3.
	Channels int
	// TestSplit, for a folder without train/ and test/ sub-folders, holds
	// out that many samples as the test split, stratified by class and
	// drawn under Seed; 0 leaves the test split empty. It is an error
	// with train/ and test/.
	TestSplit int
	// Seed draws the held-out test split.
	Seed uint64
	// SkipBadImages leaves out the images that cannot be decoded,
	// counting and listing them on Warn, instead of failing on the first.
	SkipBadImages bool
	// CacheDir is where decoded folders are cached ("": the per-user
	// cache directory's wgtrain/folder-cache).
	CacheDir string
	// Progress receives the first decoding pass's progress (nil:
	// nothing): a bar on a terminal, else a line every 30 seconds.
	Progress io.Writer
	// Warn receives warnings: the skipped images, a cache not written.
	Warn io.Writer
}

// Dataset is a decoded data set: both splits and the class names.
type Dataset struct {
	Name    string   // one of Names(), or Folder
	Classes []string // class names, indexed by label
	Train   *Split
	Test    *Split
	Dir     string // where the files were found
	// Mean and Std are, for a folder data set, the per-channel mean and
	// standard deviation of pixel/255 over the training split; nil for
	// the benchmark data sets (whose statistics are published).
	Mean, Std []float32
}

// Load finds the named data set (see Find; dir may be "") and decodes
// both its train and test splits.
//
// For Folder, dir is the folder's root (required) and the folder options
// of LoadOptions apply: the images are decoded in parallel once and
// cached (see LoadOptions.CacheDir), keyed by the root's real path, its
// file list with sizes and modification times, the size, the channels
// and SkipBadImages; later loads read the cache.
func Load(name, dir string, opts LoadOptions) (*Dataset, error) {
	if name == Folder {
		if opts.Coarse {
			return nil, fmt.Errorf("datasets: coarse labels exist only for cifar100, not %s", name)
		}
		return loadFolder(dir, opts)
	}
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
