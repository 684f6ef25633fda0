package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

func TestThresholdsCommand(t *testing.T) {
	tune := writeTestPredictions(t, "tune.csv", 400, 4, 10)
	eval := writeTestPredictions(t, "eval.csv", 300, 4, 11)
	out := filepath.Join(t.TempDir(), "th.json")
	code, stdout, stderr := wgtrain("thresholds", "--tune", tune, "--eval", eval, "--objective", "f1-macro", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got evalkit.ThresholdsFile
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	file, err := evalkit.ReadThresholds(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Thresholds) != 4 || file.Objective != evalkit.F1Macro || *file.Tune != *got.Tune || *file.Eval != *got.Eval {
		t.Errorf("--out %+v, --json %+v", file, got)
	}
	// The search's own score on the tune file is what is reported, and
	// the thresholds help there (class 0 swallows the others at arg-max).
	p, _ := evalkit.ReadPredictions(tune)
	res, err := evalkit.Search(evalkit.Softmax(p.Logits, 4), p.Target, 4, evalkit.F1Macro)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tune.With != res.Score || got.Tune.Without != res.ArgMax || !(got.Tune.With > got.Tune.Without) {
		t.Errorf("tune %+v, search %v (arg-max %v)", *got.Tune, res.Score, res.ArgMax)
	}
	// report --thresholds applies them: its macro F1 on the eval file is
	// the "with" figure.
	code, stdout, stderr = wgtrain("report", "--predictions", eval, "--thresholds", out, "--format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	var rep evalkit.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Macro.F1 != got.Eval.With || len(rep.Thresholds) != 4 {
		t.Errorf("report with thresholds: macro F1 %v, thresholds said %v", rep.Macro.F1, got.Eval.With)
	}

	// The text form.
	code, stdout, stderr = wgtrain("thresholds", "--tune", tune, "--eval", eval, "--objective", "accuracy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"objective accuracy, 4 classes", "without", "tune  " + tune, "eval  " + eval, "thresholds: "} {
		if !strings.Contains(stdout, w) {
			t.Errorf("text output lacks %q:\n%s", w, stdout)
		}
	}
}

func TestThresholdsErrors(t *testing.T) {
	p3 := writeTestPredictions(t, "p3.csv", 30, 3, 1)
	p4 := writeTestPredictions(t, "p4.csv", 30, 4, 2)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--tune", p3, "--objective", "accuracy"}, 2, "--eval or --cv is required"},
		{[]string{"--tune", p3, "--eval", p3}, 2, "--objective is required"},
		{[]string{"--tune", p3, "--eval", p3, "--objective", "auc"}, 2, `--objective "auc"`},
		{[]string{"--tune", p3, "--eval", p4, "--objective", "accuracy"}, 2, "has 3 classes"},
		{[]string{"--tune", p3 + ".missing", "--eval", p4, "--objective", "accuracy"}, 2, ".missing: no such file"},
	} {
		code, _, errOut := wgtrain(append([]string{"thresholds"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
