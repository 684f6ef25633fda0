package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/trainer"
)

func init() {
	register(command{
		name:    "report",
		summary: "print the classification report of a predictions file",
		run:     runReport,
	})
}

const reportSynopsis = `--predictions FILE [--format text|json|csv|markdown]
       [--class-names a,b,c | --class-names-file FILE] [--thresholds FILE]
       [--confusion-png FILE] [--html FILE] [--beta B] [--split NAME]

Prints the classification report of a predictions file (one row per class,
then accuracy and the micro, macro and weighted averages: precision, recall,
F1, optionally F-beta, one-vs-rest ROC AUC, support and its share), from
arg-max predictions or with the per-class thresholds of a thresholds file
written by 'wgtrain thresholds --out'. The class names, the split and the
model's epoch come from the file's metadata (FILE with .meta.json for .csv,
written by wgtrain train and predict) or, for an older run's file, from its
run directory. --html also writes the report as one self-contained web
page, with the run's training curves when FILE is a run directory's
predictions/<split>.csv and thumbnails of the most confused samples when
the data set is known. docs/SPEC.md §8 describes the files and the JSON
output.`

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportSynopsis, stdout)
	predPath := fs.String("predictions", "", "predictions `FILE` (CSV: index,target,logit_0,...)")
	format := fs.String("format", "text", "output `FORMAT`: text, json, csv or markdown")
	namesFlag := fs.String("class-names", "", "comma-separated class `NAMES`, one per class")
	namesFile := fs.String("class-names-file", "", "`FILE` with one class name per line")
	thPath := fs.String("thresholds", "", "apply the per-class thresholds of `FILE`")
	pngPath := fs.String("confusion-png", "", "also draw the confusion matrix to `FILE` (PNG)")
	htmlPath := fs.String("html", "", "also write the report as a web page to `FILE` (report.html)")
	beta := fs.Float64("beta", 0, "add an F-beta column for `B` > 0")
	split := fs.String("split", "", "the `NAME` of the split the predictions are of, for the title (default: from the file's metadata, or its name in a run directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *predPath == "":
		return usagef("--predictions is required")
	case *namesFlag != "" && *namesFile != "":
		return usagef("--class-names and --class-names-file exclude each other")
	case !(*beta >= 0) || math.IsInf(*beta, 1):
		return usagef("--beta %v: want a finite number > 0, or 0 for none", *beta)
	}
	if err := checkReportFiles(*predPath, *thPath, *namesFile, *pngPath); err != nil {
		return err
	}
	if *htmlPath != "" {
		if err := outputFile("--html", *htmlPath); err != nil {
			return err
		}
	}
	switch *format {
	case "text", "json", "csv", "markdown":
	default:
		return usagef("--format %q: want text, json, csv or markdown", *format)
	}

	p, err := readLabeledPredictions(*predPath)
	if err != nil {
		return err
	}
	names, err := classNames(*namesFlag, *namesFile, p.Classes)
	if err != nil {
		return err
	}
	meta, err := predictionsMeta(*predPath, p.Classes)
	if err != nil {
		return err
	}
	if names == nil {
		names = meta.Classes
	}
	opts := evalkit.ReportOptions{Beta: *beta, Split: meta.Split, Epoch: meta.Epoch, Index: p.Index}
	if *split != "" {
		opts.Split = *split
	}
	if *thPath != "" {
		tf, err := evalkit.ReadThresholds(*thPath)
		if err != nil {
			return err
		}
		if len(tf.Thresholds) != p.Classes {
			return usagef("--thresholds %s: %d thresholds, but --predictions %s has %d classes", *thPath, len(tf.Thresholds), *predPath, p.Classes)
		}
		opts.Thresholds, opts.ThresholdsFile = tf.Thresholds, *thPath
		if *format == "csv" {
			fmt.Fprintf(stderr, "wgtrain report: with the per-class thresholds of %s\n", *thPath)
		}
	}
	r, err := evalkit.NewReport(p.Target, p.Logits, p.Classes, names, opts)
	if err != nil {
		return err
	}
	if *pngPath != "" {
		if err := evalkit.WriteConfusionPNGTitled(*pngPath, r.Confusion, names, r.Subject()); err != nil {
			return err
		}
	}
	if *htmlPath != "" {
		if err := writeReportHTML(*htmlPath, *predPath, p, r, meta, stderr); err != nil {
			return err
		}
	}
	var out []byte
	switch *format {
	case "json":
		if out, err = r.JSON(); err != nil {
			return err
		}
	case "csv":
		out = []byte(r.CSV())
	case "markdown":
		out = []byte(r.Markdown())
	default:
		out = []byte(r.Text())
	}
	_, err = stdout.Write(out)
	return err
}

// checkReportFiles reports, before any work, input files that are not
// there and a --confusion-png that cannot be written; "" is a flag not
// given.
func checkReportFiles(predictions, thresholds, namesFile, png string) error {
	for _, in := range [][2]string{{"--predictions", predictions}, {"--thresholds", thresholds}, {"--class-names-file", namesFile}} {
		if in[1] == "" {
			continue
		}
		if err := inputFile(in[0], in[1]); err != nil {
			return err
		}
	}
	if png != "" {
		return outputFile("--confusion-png", png)
	}
	return nil
}

// readLabeledPredictions reads a predictions file that must have at least
// one row and a target on every row.
func readLabeledPredictions(path string) (*evalkit.Predictions, error) {
	p, err := evalkit.ReadPredictions(path)
	if err != nil {
		return nil, err
	}
	if p.Len() == 0 {
		return nil, fmt.Errorf("%s: no predictions (only the header)", path)
	}
	if ok, row := p.Labeled(); !ok {
		return nil, fmt.Errorf("%s: row %d (index %d) has no target; scoring needs every target", path, row+1, p.Index[row])
	}
	return p, nil
}

// predictionsMeta returns what is known of a predictions file: its
// metadata file when there is one; else, for a file of a run directory
// (<run>/predictions/<split>.csv, written before the metadata existed),
// the run's class names, the split from the file name and the run's best
// epoch; else nothing.
func predictionsMeta(predictions string, classes int) (*evalkit.PredictionsMeta, error) {
	m, err := evalkit.ReadPredictionsMeta(predictions, classes)
	if err != nil || m != nil {
		return m, err
	}
	m = &evalkit.PredictionsMeta{}
	run := trainer.PredictionsRunDir(predictions)
	if names := run.ClassNames(); len(names) == classes {
		m.Classes = names
	}
	if filepath.Base(filepath.Dir(predictions)) == "predictions" {
		if _, err := os.Stat(run.Hparams()); err == nil {
			m.Split = strings.TrimSuffix(filepath.Base(predictions), ".csv")
			m.Epoch = run.BestEpoch()
		}
	}
	return m, nil
}

// classNames returns the names from --class-names or --class-names-file,
// or nil for neither; their number must match the classes.
func classNames(list, file string, classes int) ([]string, error) {
	var names []string
	switch {
	case list != "":
		names = strings.Split(list, ",")
		for i := range names {
			if names[i] = strings.TrimSpace(names[i]); names[i] == "" {
				return nil, usagef("--class-names %q: name %d is empty", list, i+1)
			}
		}
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		text := strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
		names = strings.Split(text, "\n")
		for i, n := range names {
			if strings.TrimSpace(n) == "" {
				return nil, fmt.Errorf("%s:%d: empty class name", file, i+1)
			}
		}
	default:
		return nil, nil
	}
	if len(names) != classes {
		src := "--class-names"
		if file != "" {
			src = "--class-names-file " + file
		}
		return nil, usagef("%s: %d class names for %d classes", src, len(names), classes)
	}
	return names, nil
}
