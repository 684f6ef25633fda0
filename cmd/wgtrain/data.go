package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/datasets"
)

func init() {
	register(command{name: "data", summary: "download or inspect a data set", run: runData})
}

// dataFlags are the flags of every command that reads a data set:
// --dataset, --data-dir and --coarse, and for --dataset folder
// --image-size, --channels, --test-split and --skip-bad-images.
type dataFlags struct {
	dataset string
	dir     string
	coarse  bool

	fs        *pflag.FlagSet // to tell a flag given from its default
	imageSize int
	channels  int
	testSplit int
	skipBad   bool

	// Set by the command before load, for --dataset folder: the seed of
	// the held-out test split, where the first decoding pass's progress
	// and the warnings (skipped images) go (nil: nowhere).
	seed           uint64
	progress, warn io.Writer
}

// dataSetNames are the values --dataset takes: the benchmark data sets
// and folder.
func dataSetNames() []string { return append(datasets.Names(), datasets.Folder) }

// dataSubcommands are the one-line summaries of the data subcommands,
// which open their help.
var dataSubcommands = map[string]string{
	"data download": "download a data set into --data-dir or the per-user cache",
	"data inspect":  "print a data set's classes and per-class counts of each split",
}

// addDataFlags adds the data set flags to fs. Without them a command
// reads Fashion-MNIST from wherever datasets.Find finds it, which is the
// system location when Debian's dataset-fashion-mnist is installed.
func addDataFlags(fs *pflag.FlagSet) *dataFlags {
	d := addDataSetFlags(fs)
	fs.BoolVar(&d.coarse, "coarse", false, "CIFAR-100: the 20 coarse labels instead of the 100 fine ones")
	d.fs = fs
	fs.IntVar(&d.imageSize, "image-size", 32, "folder: the side S of the images (short side resized to S, centre S×S cropped)")
	fs.IntVar(&d.channels, "channels", 3, "folder: 3 (RGB) or 1 (luma)")
	fs.IntVar(&d.testSplit, "test-split", 0, "folder without train/ and test/: hold out N images as the test split (stratified, seeded)")
	fs.BoolVar(&d.skipBad, "skip-bad-images", false, "folder: leave out the images that cannot be decoded, with a warning, instead of failing")
	return d
}

// addDataSetFlags adds --dataset and --data-dir: the data flags of a
// command that does not read labels (data download).
func addDataSetFlags(fs *pflag.FlagSet) *dataFlags {
	d := &dataFlags{}
	fs.StringVar(&d.dataset, "dataset", "fashion-mnist", "data set: "+strings.Join(dataSetNames(), ", ")+" (a folder of images, one sub-folder per class)")
	fs.StringVar(&d.dir, "data-dir", "", "directory holding the data set (default: $"+datasets.EnvData+", then the per-user cache, then the system location; required for folder)")
	return d
}

// check reports a bad data set name, --coarse for another data set, and
// bad or misplaced folder flags as usage errors.
func (d *dataFlags) check() error {
	if !slices.Contains(dataSetNames(), d.dataset) {
		return usagef("unknown data set %q for --dataset (want one of %s)", d.dataset, strings.Join(dataSetNames(), ", "))
	}
	if d.coarse && d.dataset != "cifar100" {
		return usagef("--coarse applies to cifar100 only")
	}
	if d.fs == nil {
		return nil
	}
	if d.dataset != datasets.Folder {
		for _, f := range []string{"image-size", "channels", "test-split", "skip-bad-images"} {
			if d.fs.Changed(f) {
				return usagef("--%s applies to --dataset folder only", f)
			}
		}
		return nil
	}
	switch {
	case d.dir == "":
		return usagef("--dataset folder needs --data-dir ROOT (ROOT/<class>/<image>, or ROOT/train/<class>/... and ROOT/test/<class>/...)")
	case d.imageSize < 1 || d.imageSize > 4096:
		return usagef("--image-size %d: want 1 to 4096", d.imageSize)
	case d.channels != 1 && d.channels != 3:
		return usagef("--channels %d: want 1 or 3", d.channels)
	case d.testSplit < 0:
		return usagef("--test-split %d: want 0 or more", d.testSplit)
	}
	return nil
}

// load checks the flags and loads the data set they name. A --data-dir
// that does not hold the data set is a usage error that says what is
// there instead.
func (d *dataFlags) load() (*datasets.Dataset, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	ds, err := datasets.Load(d.dataset, d.dir, datasets.LoadOptions{Coarse: d.coarse,
		ImageSize: d.imageSize, Channels: d.channels, TestSplit: d.testSplit, Seed: d.seed,
		SkipBadImages: d.skipBad, Progress: d.progress, Warn: d.warn})
	if nf := (*datasets.NotFoundError)(nil); d.dir != "" && errors.As(err, &nf) {
		return nil, usagef("--data-dir %s does not hold %s; looked in:\n  %s\n%s", d.dir, d.dataset, strings.Join(nf.Looked, "\n  "), nf.Hint)
	}
	return ds, err
}

// runData runs `wgtrain data download|inspect`.
func runData(args []string, stdout, stderr io.Writer) error {
	const subs = "download or inspect"
	if len(args) == 0 {
		return usagef("missing subcommand: %s", subs)
	}
	switch args[0] {
	case "download":
		return runDataDownload(args[1:], stdout, stderr)
	case "inspect":
		return runDataInspect(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, summaryOf("data"))
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "usage: wgtrain data download "+downloadSynopsis)
		fmt.Fprintln(stdout, "       wgtrain data inspect "+inspectSynopsis)
		fmt.Fprintln(stdout)
		for _, sub := range []string{"download", "inspect"} {
			fmt.Fprintf(stdout, "  %-9s %s\n", sub, dataSubcommands["data "+sub])
		}
		fmt.Fprintln(stdout, "\ndata sets: "+strings.Join(dataSetNames(), ", "))
		fmt.Fprintln(stdout, "run 'wgtrain data SUBCOMMAND --help' for its flags")
		return pflag.ErrHelp
	}
	return usagef("unknown subcommand %q (want %s)", args[0], subs)
}

// The synopses of the data subcommands.
const (
	downloadSynopsis = "[--dataset NAME] [--data-dir DIR] [--binary] [--base-url URL]"
	inspectSynopsis  = "[--dataset NAME] [--data-dir DIR] [--coarse] [--image-size S] [--channels C] [--test-split N [--seed S]] [--skip-bad-images] [--json]"
)

// runDataDownload fetches a data set into --data-dir or the per-user cache.
func runDataDownload(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data download", downloadSynopsis, stdout)
	d := addDataSetFlags(fs)
	binary := fs.Bool("binary", false, "CIFAR: fetch the binary version instead of the Python one (torchvision's)")
	base := fs.String("base-url", "", "fetch the files from this URL instead of the official one (default $"+datasets.EnvDataURL+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := d.check(); err != nil {
		return err
	}
	if d.dataset == datasets.Folder {
		return usagef("--dataset folder is your own images: there is nothing to download")
	}
	if *binary && !strings.HasPrefix(d.dataset, "cifar") {
		return usagef("--binary applies to cifar10 and cifar100 only")
	}
	if u, err := url.Parse(*base); *base != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return usagef("--base-url %q: want an http:// or https:// URL", *base)
	}
	dir := d.dir
	if dir == "" {
		var err error
		if dir, err = datasets.CacheDir(d.dataset); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := datasets.Download(ctx, d.dataset, dir, datasets.DownloadOptions{BaseURL: *base, Progress: stderr, Binary: *binary})
	if err != nil {
		return err
	}
	found, err := datasets.Find(d.dataset, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is in %s\n", d.dataset, found)
	return nil
}

// inspectJSON is what `wgtrain data inspect --json` prints.
type inspectJSON struct {
	Dataset string   `json:"dataset"`
	Classes []string `json:"classes"`
	Splits  struct {
		Train splitJSON `json:"train"`
		Test  splitJSON `json:"test"`
	} `json:"splits"`
	// Folder data sets: the training split's per-channel statistics.
	Mean []float32 `json:"mean,omitempty"`
	Std  []float32 `json:"std,omitempty"`
}

type splitJSON struct {
	Count    int   `json:"count"`
	PerClass []int `json:"per_class"`
}

// runDataInspect prints a data set's per-split, per-class counts (and a
// folder's statistics); a folder's decoding progress and warnings go to
// stderr.
func runDataInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data inspect", inspectSynopsis, stdout)
	d := addDataFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON: {\"dataset\", \"classes\", \"splits\": {\"train\": {\"count\", \"per_class\"}, \"test\": ...}}")
	seed := fs.Uint64("seed", 42, "folder: the seed of --test-split (train's --seed, so that both hold out the same images)")
	if err := parse(fs, args); err != nil {
		return err
	}
	d.seed, d.progress, d.warn = *seed, stderr, stderr
	ds, err := d.load()
	if err != nil {
		return err
	}
	k := len(ds.Classes)
	if *asJSON {
		var out inspectJSON
		out.Dataset, out.Classes, out.Mean, out.Std = ds.Name, ds.Classes, ds.Mean, ds.Std
		out.Splits.Train = splitJSON{ds.Train.Len(), ds.Train.PerClass(k)}
		out.Splits.Test = splitJSON{ds.Test.Len(), ds.Test.PerClass(k)}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	w := 5
	for _, c := range ds.Classes {
		w = max(w, len(c))
	}
	fmt.Fprintf(stdout, "%s in %s\n", ds.Name, ds.Dir)
	fmt.Fprintf(stdout, "images %dx%dx%d (CxHxW), %d classes\n\n", ds.Train.C, ds.Train.H, ds.Train.W, k)
	fmt.Fprintf(stdout, "%-*s  %8s  %8s\n", w, "class", "train", "test")
	tr, te := ds.Train.PerClass(k), ds.Test.PerClass(k)
	for i, c := range ds.Classes {
		fmt.Fprintf(stdout, "%-*s  %8d  %8d\n", w, c, tr[i], te[i])
	}
	_, err = fmt.Fprintf(stdout, "%-*s  %8d  %8d\n", w, "total", ds.Train.Len(), ds.Test.Len())
	if ds.Mean != nil {
		_, err = fmt.Fprintf(stdout, "\ntraining split per channel: mean %s, std %s\n", floats(ds.Mean), floats(ds.Std))
	}
	return err
}

// floats formats values as [0.1234 0.5678].
func floats(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.4f", x)
	}
	return "[" + strings.Join(s, " ") + "]"
}
