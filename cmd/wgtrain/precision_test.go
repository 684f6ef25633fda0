package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

// A --precision other than f32 or f16 is a usage error naming the flag on
// every command that opens a backend, and f16 with --backend cpu one
// naming the backend.
func TestPrecisionBadValue(t *testing.T) {
	dir := t.TempDir()
	commands := map[string][]string{
		"train":   {"train", "--backend", "cpu", "--logdir", filepath.Join(dir, "run")},
		"predict": {"predict", "--checkpoint", filepath.Join(dir, "none.safetensors"), "--out", filepath.Join(dir, "p.csv"), "--backend", "cpu"},
		"bench":   {"bench", "--backend", "cpu", "--steps", "1"},
	}
	for name, args := range commands {
		code, _, errOut := wgtrain(append(args, "--precision", "bf16")...)
		if code != 2 || !strings.Contains(errOut, `--precision "bf16": want f32 or f16`) {
			t.Errorf("%s --precision bf16: exit %d, stderr %q; want 2 naming the flag", name, code, errOut)
		}
		code, _, errOut = wgtrain(append(args, "--precision", "f16")...)
		if code != 2 || !strings.Contains(errOut, "--precision f16 needs the WebGPU backend: --backend cpu") {
			t.Errorf("%s --precision f16 --backend cpu: exit %d, stderr %q; want 2 naming the backend", name, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); err == nil {
		t.Error("a refused command line made a run directory")
	}
}

// readPrecision returns hparams.json's "precision" of the run in logdir.
func readPrecision(t *testing.T, logdir string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(logdir, "hparams.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h["precision"]
}

// hparams.json records --precision (f32 by default); --resume keeps a
// run's f16, and refuses another precision given on its command line.
func TestPrecisionRecordedAndResumed(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	cpu := filepath.Join(dir, "cpu")
	if code, _, errOut := wgtrain(smallRun(cpu, "--epochs", "1")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if p := readPrecision(t, cpu); p != "f32" {
		t.Errorf("a default run recorded precision %v, want f32", p)
	}

	needWebGPU(t)
	half := filepath.Join(dir, "half")
	code, out, errOut := wgtrain(smallRun(half, "--epochs", "1", "--backend", "webgpu", "--precision", "f16")...)
	if code != 0 {
		t.Fatalf("f16 run: exit %d: %s", code, errOut)
	}
	if p := readPrecision(t, half); p != "f16" {
		t.Errorf("an f16 run recorded precision %v, want f16", p)
	}
	if !strings.Contains(out, "f16 loss scaling: final scale 65536") {
		t.Errorf("the f16 run's summary lacks its loss scale:\n%s", out)
	}
	code, _, errOut = wgtrain("train", "--resume", "--epochs", "2", "--precision", "f32", "--logdir", half, "--quiet")
	if code != 2 || !strings.Contains(errOut, "--precision: f16 in the run, f32 given") {
		t.Errorf("resume with another precision: exit %d, stderr %q; want 2 naming --precision", code, errOut)
	}
	code, _, errOut = wgtrain("train", "--resume", "--epochs", "2", "--logdir", half, "--quiet")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "activations stored as f16") {
		t.Errorf("the resumed run did not open WebGPU with f16 activations: %q", errOut)
	}
	if p := readPrecision(t, half); p != "f16" {
		t.Errorf("the resumed run recorded precision %v, want f16", p)
	}
}

// predict --precision f16 writes the logits that predict in f32 writes,
// within binary16's rounding of the activations: 2% of the largest
// logit's magnitude (measured: 0.04%).
func TestPredictHalf(t *testing.T) {
	needFashionMNIST(t)
	needWebGPU(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	if code, _, errOut := wgtrain(smallRun(logdir, "--epochs", "1")...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	preds := map[string]*evalkit.Predictions{}
	for _, p := range []string{"f32", "f16"} {
		out := filepath.Join(dir, p+".csv")
		code, _, errOut := wgtrain("predict", "--checkpoint", filepath.Join(logdir, "checkpoints", "best.safetensors"),
			"--split", "test", "--limit", "32", "--backend", "webgpu", "--precision", p, "--out", out)
		if code != 0 {
			t.Fatalf("predict --precision %s: exit %d: %s", p, code, errOut)
		}
		var err error
		if preds[p], err = evalkit.ReadPredictions(out); err != nil {
			t.Fatal(err)
		}
	}
	a, b := preds["f32"].Logits, preds["f16"].Logits
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d logits in f32, %d in f16", len(a), len(b))
	}
	top, worst := 0.0, 0.0
	for i := range a {
		top = max(top, math.Abs(float64(a[i])))
		worst = max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if !(worst <= 0.02*top) {
		t.Errorf("f16 logits differ from f32 ones by up to %g; the largest is %g", worst, top)
	}
	t.Logf("largest logit %g, largest f16-f32 difference %g", top, worst)
}
