package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// train --ema records its settings in hparams.json, keeps the averaged
// and the live weights in checkpoints/, and its model is the average:
// predict on best.safetensors gives the run's test accuracy, while
// last.safetensors (the live weights) differs from last_ema.safetensors.
func TestTrainEMA(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	code, stdout, errOut := wgtrain("train", "--width", "4", "--train-limit", "64", "--batch-size", "16", "--epochs", "1",
		"--valid-split", "0", "--test-limit", "32", "--backend", "cpu", "--logdir", logdir, "--quiet",
		"--ema", "0.75", "--ema-every", "2")
	if code != 0 {
		t.Fatalf("train --ema: exit %d: %s", code, errOut)
	}
	h := readHparams(t, logdir)
	if fmt.Sprint(h["ema"]) != "0.75" || fmt.Sprint(h["ema-every"]) != "2" {
		t.Errorf(`hparams.json: "ema" %v, "ema-every" %v; want 0.75 and 2`, h["ema"], h["ema-every"])
	}
	ck := filepath.Join(logdir, "checkpoints")
	last, err := os.ReadFile(filepath.Join(ck, "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	lastEMA, err := os.ReadFile(filepath.Join(ck, "last_ema.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	best, err := os.ReadFile(filepath.Join(ck, "best.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if string(last) == string(lastEMA) {
		t.Error("last.safetensors and last_ema.safetensors are the same")
	}
	if string(best) != string(lastEMA) { // one epoch: the best is the last average
		t.Error("best.safetensors is not the average (last_ema.safetensors) after a one-epoch run")
	}
	runAcc := regexp.MustCompile(`test split: accuracy [0-9.]+`).FindString(stdout)
	if runAcc == "" {
		t.Fatalf("train printed no test accuracy: %q", stdout)
	}
	code, stdout, errOut = wgtrain("predict", "--checkpoint", filepath.Join(ck, "best.safetensors"), "--split", "test",
		"--limit", "32", "--batch-size", "32", "--backend", "cpu", "--out", filepath.Join(t.TempDir(), "p.csv"))
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, runAcc) {
		t.Errorf("predict on best.safetensors printed %q; want the run's %q", stdout, runAcc)
	}
}

// A bad --ema or --ema-every is a usage error naming the flag.
func TestTrainEMARejectsBadFlags(t *testing.T) {
	for _, c := range [][]string{{"--ema", "1"}, {"--ema", "-0.1"}, {"--ema", "NaN"}, {"--ema", "0.9", "--ema-every", "0"}} {
		args := append([]string{"train", "--backend", "cpu", "--logdir", t.TempDir(), "--quiet"}, c...)
		code, _, errOut := wgtrain(args...)
		flag := c[len(c)-2]
		if code != 2 || !strings.Contains(errOut, flag) {
			t.Errorf("train %v: exit %d, stderr %q; want 2 naming %s", c, code, errOut, flag)
		}
	}
}
