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
// --dataset, --data-dir and --coarse.
type dataFlags struct {
	dataset string
	dir     string
	coarse  bool
}

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
	return d
}

// addDataSetFlags adds --dataset and --data-dir: the data flags of a
// command that does not read labels (data download).
func addDataSetFlags(fs *pflag.FlagSet) *dataFlags {
	d := &dataFlags{}
	fs.StringVar(&d.dataset, "dataset", "fashion-mnist", "data set: "+strings.Join(datasets.Names(), ", "))
	fs.StringVar(&d.dir, "data-dir", "", "directory holding the data set (default: $"+datasets.EnvData+", then the per-user cache, then the system location)")
	return d
}

// check reports a bad data set name or --coarse for another data set as
// usage errors.
func (d *dataFlags) check() error {
	if !slices.Contains(datasets.Names(), d.dataset) {
		return usagef("unknown data set %q for --dataset (want one of %s)", d.dataset, strings.Join(datasets.Names(), ", "))
	}
	if d.coarse && d.dataset != "cifar100" {
		return usagef("--coarse applies to cifar100 only")
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
	ds, err := datasets.Load(d.dataset, d.dir, datasets.LoadOptions{Coarse: d.coarse})
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
		return runDataInspect(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, summaryOf("data"))
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "usage: wgtrain data download "+downloadSynopsis)
		fmt.Fprintln(stdout, "       wgtrain data inspect "+inspectSynopsis)
		fmt.Fprintln(stdout)
		for _, sub := range []string{"download", "inspect"} {
			fmt.Fprintf(stdout, "  %-9s %s\n", sub, dataSubcommands["data "+sub])
		}
		fmt.Fprintln(stdout, "\ndata sets: "+strings.Join(datasets.Names(), ", "))
		fmt.Fprintln(stdout, "run 'wgtrain data SUBCOMMAND --help' for its flags")
		return pflag.ErrHelp
	}
	return usagef("unknown subcommand %q (want %s)", args[0], subs)
}

// The synopses of the data subcommands.
const (
	downloadSynopsis = "[--dataset NAME] [--data-dir DIR] [--binary] [--base-url URL]"
	inspectSynopsis  = "[--dataset NAME] [--data-dir DIR] [--coarse] [--json]"
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
}

type splitJSON struct {
	Count    int   `json:"count"`
	PerClass []int `json:"per_class"`
}

// runDataInspect prints a data set's per-split, per-class counts.
func runDataInspect(args []string, stdout io.Writer) error {
	fs := newFlags("data inspect", inspectSynopsis, stdout)
	d := addDataFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON: {\"dataset\", \"classes\", \"splits\": {\"train\": {\"count\", \"per_class\"}, \"test\": ...}}")
	if err := parse(fs, args); err != nil {
		return err
	}
	ds, err := d.load()
	if err != nil {
		return err
	}
	k := len(ds.Classes)
	if *asJSON {
		var out inspectJSON
		out.Dataset, out.Classes = ds.Name, ds.Classes
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
	return err
}
