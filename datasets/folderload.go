package datasets

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// purposeTestSplit is the random stream of a folder's held-out test split.
const purposeTestSplit = purposeLongTail + 100

// decodedFiles counts the image files decoded (not read from a cache),
// for tests.
var decodedFiles atomic.Int64

// maxWarned is how many skipped files the warning lists.
const maxWarned = 5

// loadFolder loads a folder data set (see Folder and LoadOptions).
func loadFolder(root string, opts LoadOptions) (*Dataset, error) {
	size, channels := opts.ImageSize, opts.Channels
	if size == 0 {
		size = 32
	}
	if channels == 0 {
		channels = 3
	}
	if size < 1 || size > 4096 {
		return nil, fmt.Errorf("datasets: image size %d (want 1 to 4096)", size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("datasets: %d channels (want 1 or 3)", channels)
	}
	if opts.TestSplit < 0 {
		return nil, fmt.Errorf("datasets: a test split of %d samples", opts.TestSplit)
	}
	if root == "" {
		return nil, &FolderError{Dir: "(none)", Msg: "a folder data set needs its directory (--data-dir)"}
	}
	lay, err := walkFolder(root)
	if err != nil {
		return nil, err
	}
	if lay.split && opts.TestSplit > 0 {
		return nil, &FolderError{Dir: root, Msg: "has train/ and test/ folders, so a held-out test split does not apply"}
	}
	real, err := filepath.EvalSymlinks(root)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, readErr(root, err)
	}
	key := cacheKey(real, lay, size, channels, opts.SkipBadImages)
	dir := opts.CacheDir
	if dir == "" {
		if c, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(c, "wgtrain", "folder-cache")
		}
	}
	if opts.TestSplit >= len(lay.files) {
		return nil, &FolderError{Dir: root, Msg: fmt.Sprintf("a test split of %d samples from %d images (want fewer)", opts.TestSplit, len(lay.files))}
	}
	var c *folderCache
	if dir != "" {
		c = readCache(dir, key)
	}
	fresh := c == nil
	if fresh {
		if c, err = decodeFolder(root, lay, size, channels, opts); err != nil {
			return nil, err
		}
		c.key = key
	}
	ds, err := folderDataset(root, lay, c, opts)
	if err != nil {
		return nil, err
	}
	if fresh && dir != "" {
		if err := writeCache(dir, c); err != nil && opts.Warn != nil {
			fmt.Fprintf(opts.Warn, "wgtrain: warning: the decoded images are not cached: %v\n", err)
		}
	}
	if len(c.skipped) > 0 && opts.Warn != nil {
		fmt.Fprintf(opts.Warn, "wgtrain: warning: skipped %d bad images: %s", len(c.skipped), strings.Join(c.skipped[:min(len(c.skipped), maxWarned)], "; "))
		if len(c.skipped) > maxWarned {
			fmt.Fprintf(opts.Warn, "; and %d more", len(c.skipped)-maxWarned)
		}
		fmt.Fprintln(opts.Warn)
	}
	return ds, nil
}

// folderDataset makes the Dataset of a decoded folder: its train and test
// splits (holding out opts.TestSplit samples from a single tree), their
// file names, and the training split's per-channel statistics.
func folderDataset(root string, lay *folderLayout, c *folderCache, opts LoadOptions) (*Dataset, error) {
	per := c.channels * c.size * c.size
	mk := func(name string, which uint8) *Split {
		s := &Split{Name: name, C: c.channels, H: c.size, W: c.size, Images: []uint8{}, Labels: []int32{}, Files: []string{}}
		for i, sp := range c.splits {
			if sp == which {
				s.Images = append(s.Images, c.pixels[i*per:(i+1)*per]...)
				s.Labels = append(s.Labels, c.labels[i])
				s.Files = append(s.Files, c.files[i])
			}
		}
		return s
	}
	train, test := mk("train", 0), mk("test", 1)
	k := len(lay.classes)
	for ci, n := range train.PerClass(k) {
		if n == 0 {
			return nil, &FolderError{Dir: filepath.Join(map[bool]string{true: "train"}[lay.split], lay.classes[ci]), Msg: "class folder holds no usable images (every one was skipped)"}
		}
	}
	if opts.TestSplit > 0 {
		if opts.TestSplit >= train.Len() {
			return nil, &FolderError{Dir: root, Msg: fmt.Sprintf("a test split of %d samples from %d images (want fewer)", opts.TestSplit, train.Len())}
		}
		var err error
		train, test, err = carve(train, opts.TestSplit, k, opts.Seed, purposeTestSplit)
		if err != nil {
			return nil, err
		}
		train.Name, test.Name = "train", "test"
	}
	ds := &Dataset{Name: Folder, Classes: slices.Clone(lay.classes), Train: train, Test: test, Dir: root}
	ds.Mean, ds.Std = channelStats(train)
	return ds, nil
}

// channelStats returns the per-channel mean and (population) standard
// deviation of pixel/255 over a split.
func channelStats(s *Split) (mean, std []float32) {
	plane := s.H * s.W
	mean, std = make([]float32, s.C), make([]float32, s.C)
	for c := range s.C {
		var sum, sq float64
		for i := range s.Len() {
			for _, v := range s.Image(i)[c*plane : (c+1)*plane] {
				x := float64(v)
				sum += x
				sq += x * x
			}
		}
		n := float64(s.Len() * plane)
		if n == 0 {
			continue
		}
		m := sum / n
		mean[c] = float32(m / 255)
		std[c] = float32(math.Sqrt(max(sq/n-m*m, 0)) / 255)
	}
	return mean, std
}

// decodeFolder decodes every image of lay with runtime.NumCPU() workers,
// in lay's order. A bad file is an *ImageError naming it relative to
// root (the first in order), or, with SkipBadImages, is left out and
// listed in the result's skipped.
func decodeFolder(root string, lay *folderLayout, size, channels int, opts LoadOptions) (*folderCache, error) {
	n := len(lay.files)
	per := channels * size * size
	pixels := make([]uint8, n*per)
	errs := make([]error, n)
	var next, done atomic.Int64
	stop := progress(opts.Progress, n, &done)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f := lay.files[i]
				img, err := DecodeImageFile(filepath.Join(root, f.rel), size, channels)
				decodedFiles.Add(1)
				if err != nil {
					errs[i] = &ImageError{File: f.rel, Err: unwrapFileErr(err)}
				} else {
					copy(pixels[i*per:], img)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	stop()
	c := &folderCache{size: size, channels: channels, classes: lay.classes}
	kept := pixels[:0]
	for i, f := range lay.files {
		if errs[i] != nil {
			if !opts.SkipBadImages {
				return nil, errs[i]
			}
			c.skipped = append(c.skipped, strings.TrimPrefix(errs[i].Error(), "datasets: "))
			continue
		}
		kept = append(kept, pixels[i*per:(i+1)*per]...)
		c.files = append(c.files, f.rel)
		c.splits = append(c.splits, uint8(f.split))
		c.labels = append(c.labels, f.label)
	}
	c.pixels = kept
	return c, nil
}

// unwrapFileErr returns the reason of an error of DecodeImageFile, which
// names the file by its full path, so that the caller can name it by its
// path relative to the root.
func unwrapFileErr(err error) error {
	switch e := err.(type) {
	case *ImageError:
		return e.Err
	case *readError:
		return fmt.Errorf("unreadable: %w", e.err)
	}
	return err
}

// progress reports the decoding of n images to w (nil: nothing): a
// progress bar on a terminal, else a line every 30 seconds. The returned
// function ends it.
func progress(w io.Writer, n int, done *atomic.Int64) func() {
	if w == nil || n == 0 {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	f, tty := w.(*os.File)
	tty = tty && term.IsTerminal(int(f.Fd()))
	go func() {
		defer wg.Done()
		start := time.Now()
		var pb *progressbar.ProgressBar
		tick := 30 * time.Second
		if tty {
			pb = progressbar.NewOptions(n, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("decoding images"),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
			tick = 200 * time.Millisecond
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-quit:
				if pb != nil {
					pb.Finish()
				}
				return
			case <-t.C:
				d := int(done.Load())
				if pb != nil {
					pb.Set(d)
				} else {
					fmt.Fprintf(w, "decoding images: %d/%d (%.0f/s)\n", d, n, float64(d)/time.Since(start).Seconds())
				}
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}
