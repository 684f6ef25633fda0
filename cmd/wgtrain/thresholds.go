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

const thresholdsSynopsis = `--tune FILE [--eval FILE] [--cv K [--seed N]]
       --objective accuracy|f1-micro|f1-macro|f1-weighted [--out FILE] [--json]

Searches per-class decision thresholds on the softmax scores of the tune
predictions file (docs/SPEC.md §6) and reports, for the tune and the
eval file, the objective without thresholds (arg-max) and with them. Tune on
a validation split and judge the gain on the eval file: the gain on the tune
file itself is optimistic. --cv K estimates the gain inside the tune file by
stratified K-fold cross-validation (folds seeded by --seed): for each fold,
the thresholds are tuned on the other folds and the fold is scored with and
without them; the thresholds are worth keeping only when the mean gain less
two standard errors is above 0. --eval or --cv is required. --out writes the
thresholds for 'wgtrain report --thresholds'.`

func runThresholds(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("thresholds", thresholdsSynopsis, stdout)
	tunePath := fs.String("tune", "", "predictions `FILE` to search the thresholds on")
	evalPath := fs.String("eval", "", "predictions `FILE` to score them on")
	objective := fs.String("objective", "", "`OBJECTIVE` to maximize: accuracy, f1-micro, f1-macro or f1-weighted")
	outPath := fs.String("out", "", "write the thresholds to `FILE` (JSON)")
	asJSON := fs.Bool("json", false, "print the result as JSON (the --out format)")
	folds := fs.Int("cv", 0, "cross-validate the gain over `K` stratified folds of the tune file (K >= 2)")
	seed := fs.Uint64("seed", 42, "`SEED` of the --cv fold assignment")
	if err := parse(fs, args); err != nil {
		return err
	}
	obj := evalkit.Objective(*objective)
	switch {
	case *tunePath == "":
		return usagef("--tune is required")
	case *evalPath == "" && !fs.Changed("cv"):
		return usagef("--eval or --cv is required")
	case fs.Changed("cv") && *folds < 2:
		return usagef("--cv %d: want at least 2 folds", *folds)
	case fs.Changed("seed") && !fs.Changed("cv"):
		return usagef("--seed sets the --cv folds; give --cv K too")
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
	var eval *evalkit.Predictions
	if *evalPath != "" {
		if eval, err = readLabeledPredictions(*evalPath); err != nil {
			return err
		}
		if tune.Classes != eval.Classes {
			return usagef("--tune %s has %d classes, --eval %s has %d", *tunePath, tune.Classes, *evalPath, eval.Classes)
		}
	}
	c := tune.Classes
	if fs.Changed("cv") {
		if cls, n := evalkit.SmallestClass(tune.Target, c); *folds > n {
			return usagef("--cv %d: class %d of --tune %s has only %d rows; want at most %d folds", *folds, cls, *tunePath, n, n)
		}
	}
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
	tf := &evalkit.ThresholdsFile{
		Objective:  obj,
		Thresholds: th,
		Tune:       tuneGain,
	}
	if eval != nil {
		if tf.Eval, err = gain(evalkit.Softmax(eval.Logits, c), eval.Target); err != nil {
			return fmt.Errorf("%s: %w", *evalPath, err)
		}
	}
	if fs.Changed("cv") {
		if tf.CV, err = evalkit.CrossValidateThresholds(tuneScores, tune.Target, c, obj, *folds, *seed); err != nil {
			return fmt.Errorf("%s: %w", *tunePath, err)
		}
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
	type row struct {
		what, path string
		n          int
		g          *evalkit.Gain
	}
	rows := []row{{"tune", *tunePath, tune.Len(), tf.Tune}}
	if eval != nil {
		rows = append(rows, row{"eval", *evalPath, eval.Len(), tf.Eval})
	}
	for _, row := range rows {
		fmt.Fprintf(&b, "%s  %-*s  %7d  %8.4f  %8.4f  %+8.4f\n", row.what, nameW, row.path, row.n, row.g.Without, row.g.With, row.g.With-row.g.Without)
	}
	b.WriteString("\nthresholds:")
	for _, v := range th {
		b.WriteString(" " + strconv.FormatFloat(v, 'g', 4, 64))
	}
	b.WriteByte('\n')
	if tf.CV != nil {
		writeThresholdsCV(&b, tf.CV)
	}
	if *outPath != "" {
		fmt.Fprintf(&b, "written to %s\n", *outPath)
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// writeThresholdsCV writes the --cv table: each fold's rows, objective
// without and with the thresholds tuned on the other folds, and gain; then
// the verdict.
func writeThresholdsCV(b *strings.Builder, cv *evalkit.ThresholdsCV) {
	fmt.Fprintf(b, "\ncross-validation on the tune file: %d stratified folds (seed %d)\n\n", cv.K, cv.Seed)
	fmt.Fprintf(b, "fold  %7s  %8s  %8s  %8s\n", "rows", "without", "with", "gain")
	for i, f := range cv.Folds {
		fmt.Fprintf(b, "%4d  %7d  %8.4f  %8.4f  %+8.4f\n", i+1, f.N, f.Without, f.With, f.Gain)
	}
	fmt.Fprintf(b, "\n%s (mean - 2·SE = %+.4f)\n", cv.Verdict(), cv.Mean-2*cv.SE)
}

// checkThresholdsFiles reports, before any work, a --tune or --eval file
// that is not there and an --out that cannot be written; eval may be "".
func checkThresholdsFiles(tune, eval, out string) error {
	if err := inputFile("--tune", tune); err != nil {
		return err
	}
	if eval != "" {
		if err := inputFile("--eval", eval); err != nil {
			return err
		}
	}
	if out == "" {
		return nil
	}
	return outputFile("--out", out)
}
