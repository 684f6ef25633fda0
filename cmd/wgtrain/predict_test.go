package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// wgtrain predict on a run's best checkpoint writes the same predictions
// file as the run wrote for its test split (both go through
// trainer.Predict), and refuses a checkpoint that is not a resnet9.
func TestPredictMatchesTheRunsPredictions(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	code, _, errOut := wgtrain(smallRun(logdir, "--epochs", "1")...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	out := filepath.Join(dir, "test.csv")
	code, stdout, errOut := wgtrain("predict", "--checkpoint", filepath.Join(logdir, "checkpoints", "best.safetensors"),
		"--split", "test", "--limit", "32", "--batch-size", "32", "--backend", "cpu", "--out", out)
	if code != 0 || !strings.Contains(stdout, "wrote 32 predictions") {
		t.Fatalf("predict: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(logdir, "predictions", "test.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("predict wrote\n%s\nthe run wrote\n%s", got, want)
	}

	other := filepath.Join(dir, "other.safetensors")
	if err := safetensors.WriteFile(other, []safetensors.Tensor{safetensors.F32("fc.weight", []int{2, 2}, make([]float32, 4))}, nil); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = wgtrain("predict", "--checkpoint", other, "--out", filepath.Join(dir, "x.csv"), "--backend", "cpu")
	if code == 0 || !strings.Contains(errOut, "not a resnet9 state_dict") {
		t.Errorf("a checkpoint without resnet9's entries: exit %d, stderr %q", code, errOut)
	}
}
