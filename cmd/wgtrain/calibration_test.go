package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

// A run with a validation split records in report.json the temperature
// fitted on it, the test split's calibration and AP, and its top
// confusions named by sample index; wgtrain predict --temperature T
// writes the run's test logits divided by T and refuses a T that is not
// a finite number > 0 with exit 2.
func TestCalibrationReportAndPredictTemperature(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	code, _, errOut := wgtrain(smallRun(logdir, "--epochs", "1", "--valid-split", "32")...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(logdir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep evalkit.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	test, err := evalkit.ReadPredictions(filepath.Join(logdir, "predictions", "test.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ts := rep.Temperature
	switch {
	case ts == nil:
		t.Fatalf("report.json has no temperature block:\n%s", data)
	case !(ts.Temperature >= evalkit.MinTemperature && ts.Temperature <= evalkit.MaxTemperature) || ts.FitSplit != "valid":
		t.Errorf("temperature %v fitted on %q", ts.Temperature, ts.FitSplit)
	case ts.Accuracy != rep.Accuracy || !strings.Contains(ts.Note, "accuracy is unchanged"):
		t.Errorf("temperature block accuracy %v (report %v), note %q", ts.Accuracy, rep.Accuracy, ts.Note)
	case rep.Calibration == nil || ts.ECEBefore != rep.Calibration.ECE || len(rep.Calibration.Bins) < evalkit.CalibrationBins:
		t.Errorf("calibration %+v, ECE before %v", rep.Calibration, ts.ECEBefore)
	case rep.Macro.AP == nil:
		t.Error("no macro average precision")
	}
	for _, c := range rep.TopConfusions {
		for _, i := range c.Indices {
			if !slices.Contains(test.Index, i) {
				t.Errorf("confusion %d->%d names sample %d, not in the test predictions' index column", c.True, c.Pred, i)
			}
		}
	}
	if len(rep.TopConfusions) == 0 && rep.Accuracy < 1 {
		t.Errorf("accuracy %v but no confusions", rep.Accuracy)
	}

	ckpt := filepath.Join(logdir, "checkpoints", "best.safetensors")
	out := filepath.Join(dir, "scaled.csv")
	code, _, errOut = wgtrain("predict", "--checkpoint", ckpt, "--split", "test", "--limit", "32", "--batch-size", "32",
		"--backend", "cpu", "--out", out, "--temperature", "2.5", "--quiet")
	if code != 0 {
		t.Fatalf("predict --temperature 2.5: exit %d: %s", code, errOut)
	}
	scaled, err := evalkit.ReadPredictions(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(scaled.Logits) != len(test.Logits) || !slices.Equal(scaled.Index, test.Index) {
		t.Fatalf("%d logits, want %d", len(scaled.Logits), len(test.Logits))
	}
	for i, l := range test.Logits {
		if want := float64(l) / 2.5; math.Abs(float64(scaled.Logits[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("logit %d: %v, want %v / 2.5 = %v", i, scaled.Logits[i], l, want)
		}
	}

	for _, bad := range []string{"0", "-1", "NaN", "+Inf", "x"} {
		code, _, errOut := wgtrain("predict", "--checkpoint", ckpt, "--backend", "cpu", "--out", filepath.Join(dir, "bad.csv"), "--temperature", bad)
		if code != 2 || !strings.Contains(errOut, "--temperature") {
			t.Errorf("--temperature %s: exit %d, stderr %q", bad, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.csv")); err == nil {
		t.Error("a refused --temperature wrote its --out")
	}
}
