package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/evalkit"
)

func init() {
	register(command{
		name:    "thresholds",
		summary: "tune per-class thresholds on one file, score on another",
		run:     runThresholds,
	})
}

const thresholdsSynopsis = `--tune FILE --eval FILE --objective accuracy|f1-micro|f1-macro|f1-weighted
       [--out FILE] [--json]

Searches per-class decision thresholds on the softmax scores of the tune
predictions file (docs/SPEC.md §6) and reports, for the tune and the
eval file, the objective without thresholds (arg-max) and with them. Tune on
a validation split and judge the gain on the eval file: the gain on the tune
file itself is optimistic. --out writes the thresholds for
'wgtrain report --thresholds'.`

func runThresholds(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("thresholds", thresholdsSynopsis, stdout)
	tunePath := fs.String("tune", "", "predictions `FILE` to search the thresholds on")
	evalPath := fs.String("eval", "", "predictions `FILE` to score them on")
	objective := fs.String("objective", "", "`OBJECTIVE` to maximize: accuracy, f1-micro, f1-macro or f1-weighted")
	outPath := fs.String("out", "", "write the thresholds to `FILE` (JSON)")
	asJSON := fs.Bool("json", false, "print the result as JSON (the --out format)")
	if err := parse(fs, args); err != nil {
		return err
	}
	obj := evalkit.Objective(*objective)
	switch {
	case *tunePath == "" || *evalPath == "":
		return usagef("--tune and --eval are required")
	case *objective == "":
		return usagef("--objective is required: accuracy, f1-micro, f1-macro or f1-weighted")
	case !obj.Valid():
		return usagef("--objective %q: want accuracy, f1-micro, f1-macro or f1-weighted", *objective)
	}
	if err := checkThresholdsFiles(*tunePath, *evalPath, *outPath); err != nil {
		return err
	}
	tune, err := readLabeledPredictions(*tunePath)
	if err != nil {
		return err
	}
	eval, err := readLabeledPredictions(*evalPath)
	if err != nil {
		return err
	}
	if tune.Classes != eval.Classes {
		return usagef("--tune %s has %d classes, --eval %s has %d", *tunePath, tune.Classes, *evalPath, eval.Classes)
	}
	c := tune.Classes
	tuneScores := evalkit.Softmax(tune.Logits, c)
	th, err := evalkit.SearchThresholds(tuneScores, tune.Target, c, obj)
	if err != nil {
		return fmt.Errorf("%s: %w", *tunePath, err)
	}
	gain := func(scores []float64, targets []int32) (*evalkit.Gain, error) {
		without, err := evalkit.Score(evalkit.ArgMax(scores, c), targets, c, obj)
		if err != nil {
			return nil, err
		}
		pred, err := evalkit.PredictWithThresholds(scores, c, th)
		if err != nil {
			return nil, err
		}
		with, err := evalkit.Score(pred, targets, c, obj)
		return &evalkit.Gain{Without: without, With: with}, err
	}
	tuneGain, err := gain(tuneScores, tune.Target)
	if err != nil {
		return fmt.Errorf("%s: %w", *tunePath, err)
	}
	evalGain, err := gain(evalkit.Softmax(eval.Logits, c), eval.Target)
	if err != nil {
		return fmt.Errorf("%s: %w", *evalPath, err)
	}
	tf := &evalkit.ThresholdsFile{
		Objective:  obj,
		Thresholds: th,
		Tune:       tuneGain,
		Eval:       evalGain,
	}
	if *outPath != "" {
		if err := evalkit.WriteThresholds(*outPath, tf); err != nil {
			return err
		}
	}
	if *asJSON {
		b, err := tf.MarshalIndent()
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "objective %s, %d classes\n\n", obj, c)
	nameW := max(len(*tunePath), len(*evalPath), len("file"))
	fmt.Fprintf(&b, "      %-*s  %7s  %8s  %8s  %8s\n", nameW, "file", "rows", "without", "with", "gain")
	for _, row := range []struct {
		what, path string
		n          int
		g          *evalkit.Gain
	}{{"tune", *tunePath, tune.Len(), tf.Tune}, {"eval", *evalPath, eval.Len(), tf.Eval}} {
		fmt.Fprintf(&b, "%s  %-*s  %7d  %8.4f  %8.4f  %+8.4f\n", row.what, nameW, row.path, row.n, row.g.Without, row.g.With, row.g.With-row.g.Without)
	}
	b.WriteString("\nthresholds:")
	for _, v := range th {
		b.WriteString(" " + strconv.FormatFloat(v, 'g', 4, 64))
	}
	b.WriteByte('\n')
	if *outPath != "" {
		fmt.Fprintf(&b, "written to %s\n", *outPath)
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// checkThresholdsFiles reports, before any work, a --tune or --eval file
// that is not there and an --out that cannot be written.
func checkThresholdsFiles(tune, eval, out string) error {
	if err := inputFile("--tune", tune); err != nil {
		return err
	}
	if err := inputFile("--eval", eval); err != nil {
		return err
	}
	if out == "" {
		return nil
	}
	return outputFile("--out", out)
}
