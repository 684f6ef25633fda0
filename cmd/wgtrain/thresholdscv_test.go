package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/trainer"
)

// thresholdsJSON runs wgtrain thresholds with --json and decodes its output.
func thresholdsJSON(t *testing.T, args ...string) *evalkit.ThresholdsFile {
	t.Helper()
	code, stdout, stderr := wgtrain(append(append([]string{"thresholds"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("thresholds %v: exit %d: %s", args, code, stderr)
	}
	var tf evalkit.ThresholdsFile
	if err := json.Unmarshal([]byte(stdout), &tf); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	return &tf
}

// --cv K reports, for each fold, exactly what tuning on the other folds'
// rows and scoring the fold's rows by hand (wgtrain thresholds --tune
// --eval on fold files) gives; its folds are StratifiedFolds with --seed.
func TestThresholdsCVMatchesFoldFiles(t *testing.T) {
	const k, seed = 4, 7
	tunePath := writeTestPredictions(t, "tune.csv", 400, 4, 21)
	p, err := evalkit.ReadPredictions(tunePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{"f1-macro", "accuracy"} {
		tf := thresholdsJSON(t, "--tune", tunePath, "--cv", fmt.Sprint(k), "--seed", fmt.Sprint(seed), "--objective", obj)
		cv := tf.CV
		if cv == nil || cv.K != k || cv.Seed != seed || len(cv.Folds) != k || string(cv.Objective) != obj || tf.Eval != nil {
			t.Fatalf("%s: %+v", obj, tf)
		}
		folds, err := evalkit.StratifiedFolds(p.Target, p.Classes, k, seed)
		if err != nil {
			t.Fatal(err)
		}
		var gains []float64
		for f := range k {
			in, out := &evalkit.Predictions{Classes: p.Classes}, &evalkit.Predictions{Classes: p.Classes}
			for i := range p.Target {
				d := in
				if folds[i] == f {
					d = out
				}
				d.Index, d.Target, d.Logits = append(d.Index, p.Index[i]), append(d.Target, p.Target[i]), append(d.Logits, p.Row(i)...)
			}
			dir := t.TempDir()
			tuneF, evalF := filepath.Join(dir, "tune.csv"), filepath.Join(dir, "eval.csv")
			if err := evalkit.WritePredictions(tuneF, in); err != nil {
				t.Fatal(err)
			}
			if err := evalkit.WritePredictions(evalF, out); err != nil {
				t.Fatal(err)
			}
			hand := thresholdsJSON(t, "--tune", tuneF, "--eval", evalF, "--objective", obj)
			got := cv.Folds[f]
			if got.With != hand.Eval.With || got.Without != hand.Eval.Without || got.Gain != hand.Eval.With-hand.Eval.Without ||
				got.N != out.Len() || !slices.Equal(got.Thresholds, hand.Thresholds) {
				t.Errorf("%s fold %d: --cv %+v; by hand n %d, %+v, thresholds %v", obj, f, got, out.Len(), *hand.Eval, hand.Thresholds)
			}
			gains = append(gains, got.Gain)
		}
		if cv.Keep != (cv.Mean-2*cv.SE > 0) || cv.Mean == 0 && slices.Max(gains) != 0 {
			t.Errorf("%s: mean %v se %v keep %v, gains %v", obj, cv.Mean, cv.SE, cv.Keep, gains)
		}
	}
	// Another seed, other folds.
	a := thresholdsJSON(t, "--tune", tunePath, "--cv", "4", "--objective", "accuracy")
	b := thresholdsJSON(t, "--tune", tunePath, "--cv", "4", "--seed", "43", "--objective", "accuracy")
	if a.CV.Seed != 42 || b.CV.Seed != 43 || slices.EqualFunc(a.CV.Folds, b.CV.Folds, func(x, y evalkit.CVFold) bool { return x.With == y.With && x.N == y.N }) {
		t.Errorf("seeds 42 and 43 gave the same folds: %+v", a.CV.Folds)
	}
}

// The text form: the tune and eval rows, one line per fold, the verdict.
func TestThresholdsCVText(t *testing.T) {
	tune := writeTestPredictions(t, "tune.csv", 300, 3, 22)
	eval := writeTestPredictions(t, "eval.csv", 200, 3, 23)
	code, stdout, stderr := wgtrain("thresholds", "--tune", tune, "--eval", eval, "--cv", "3", "--objective", "accuracy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tf := thresholdsJSON(t, "--tune", tune, "--eval", eval, "--cv", "3", "--objective", "accuracy")
	want := []string{"tune  " + tune, "eval  " + eval, "3 stratified folds (seed 42)", tf.CV.Verdict()}
	for i, f := range tf.CV.Folds {
		want = append(want, fmt.Sprintf("%4d  %7d  %8.4f  %8.4f  %+8.4f\n", i+1, f.N, f.Without, f.With, f.Gain))
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
}

func TestThresholdsCVErrors(t *testing.T) {
	p := writeTestPredictions(t, "p.csv", 30, 3, 1)
	pr, err := evalkit.ReadPredictions(p)
	if err != nil {
		t.Fatal(err)
	}
	cls, n := evalkit.SmallestClass(pr.Target, 3)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--tune", p, "--cv", "1", "--objective", "accuracy"}, "--cv 1: want at least 2 folds"},
		{[]string{"--tune", p, "--cv", "0", "--objective", "accuracy"}, "--cv 0: want at least 2 folds"},
		{[]string{"--tune", p, "--cv", fmt.Sprint(n + 1), "--objective", "accuracy"},
			fmt.Sprintf("--cv %d: class %d of --tune %s has only %d rows; want at most %d folds", n+1, cls, p, n, n)},
		{[]string{"--tune", p, "--eval", p, "--seed", "3", "--objective", "accuracy"}, "--seed sets the --cv folds"},
		{[]string{"--cv", "2", "--objective", "accuracy"}, "--tune is required"},
	} {
		code, _, errOut := wgtrain(append([]string{"thresholds"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.msg)
		}
	}
}

// thresholdsCVLine checks a finished run's cross-validation of per-class
// thresholds against its valid predictions file and returns the summary
// line the run should have printed: with min(5, smallest class) >= 2
// folds, thresholds_cv.json holds exactly evalkit.CrossValidateThresholds
// of predictions/valid.csv with obj and seed 42; otherwise there is no
// such file and the line says why.
func thresholdsCVLine(t *testing.T, logdir string, obj evalkit.Objective) string {
	t.Helper()
	dir := trainer.RunDir(logdir)
	p, err := evalkit.ReadPredictions(dir.Predictions("valid"))
	if err != nil {
		t.Fatal(err)
	}
	cls, n := evalkit.SmallestClass(p.Target, p.Classes)
	data, readErr := os.ReadFile(dir.ThresholdsCV())
	if n < 2 {
		if readErr == nil {
			t.Errorf("%s written with class %d of %d samples", dir.ThresholdsCV(), cls, n)
		}
		return fmt.Sprintf("per-class thresholds: not cross-validated: class %d has %d validation sample(s), 2 folds need 2\n", cls, n)
	}
	if readErr != nil {
		t.Fatal(readErr)
	}
	var got evalkit.ThresholdsCV
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v", dir.ThresholdsCV(), err)
	}
	want, err := evalkit.CrossValidateThresholds(evalkit.Softmax(p.Logits, p.Classes), p.Target, p.Classes, obj, min(5, n), 42)
	if err != nil {
		t.Fatal(err)
	}
	// The thresholds searched on the whole valid split, scored once on
	// the test split.
	tp, err := evalkit.ReadPredictions(dir.Predictions("test"))
	if err != nil {
		t.Fatal(err)
	}
	want.HeldOut, err = evalkit.ScoreHeldOut(evalkit.Softmax(p.Logits, p.Classes), p.Target,
		evalkit.Softmax(tp.Logits, tp.Classes), tp.Target, p.Classes, obj, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("%s: %+v (held out %+v)\nwant %+v (held out %+v)", dir.ThresholdsCV(), got, got.HeldOut, *want, want.HeldOut)
	}
	return "per-class thresholds: " + want.Verdict() + "\n"
}
