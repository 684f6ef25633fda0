package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// train --label-smoothing 0.1 trains, records the value in hparams.json,
// and changes the training (its weights differ from those of the same
// run without smoothing); --resume takes the value back and refuses a
// different one, naming the flag, as it refuses smoothing for a run saved
// before the flag existed.
func TestTrainLabelSmoothing(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	smooth, plain := filepath.Join(dir, "smooth"), filepath.Join(dir, "plain")
	if code, _, errOut := wgtrain(smallRun(smooth, "--epochs", "1", "--label-smoothing", "0.1")...); code != 0 {
		t.Fatalf("train --label-smoothing 0.1: exit %d: %s", code, errOut)
	}
	if got := fmt.Sprint(readHparams(t, smooth)["label-smoothing"]); got != "0.1" {
		t.Errorf(`hparams.json: "label-smoothing" %s, want 0.1`, got)
	}
	if code, _, errOut := wgtrain(smallRun(plain, "--epochs", "1")...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	if got := fmt.Sprint(readHparams(t, plain)["label-smoothing"]); got != "0" {
		t.Errorf(`hparams.json without the flag: "label-smoothing" %s, want 0`, got)
	}
	last := func(logdir string) string {
		b, err := os.ReadFile(filepath.Join(logdir, "checkpoints", "last.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if last(smooth) == last(plain) {
		t.Error("the run with --label-smoothing 0.1 ended with the weights of the run without it")
	}

	code, _, errOut := wgtrain(smallRun(smooth, "--resume", "--epochs", "2", "--label-smoothing", "0.2")...)
	if code != 2 || !strings.Contains(errOut, "--label-smoothing: 0.1 in the run, 0.2 given") {
		t.Errorf("--resume with another --label-smoothing: exit %d, stderr %q; want 2 naming --label-smoothing", code, errOut)
	}
	// A run whose hparams.json predates the flag trained without smoothing.
	plainH := readHparams(t, plain)
	delete(plainH, "label-smoothing")
	data, err := json.Marshal(plainH)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plain, "hparams.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = wgtrain(smallRun(plain, "--resume", "--epochs", "2", "--label-smoothing", "0.1")...)
	if code != 2 || !strings.Contains(errOut, "--label-smoothing: 0 in the run, 0.1 given") {
		t.Errorf("--resume of a run saved without the key, with --label-smoothing 0.1: exit %d, stderr %q; want 2 naming --label-smoothing", code, errOut)
	}

	if code, _, errOut := wgtrain(smallRun(smooth, "--resume", "--epochs", "2")...); code != 0 {
		t.Fatalf("--resume: exit %d: %s", code, errOut)
	}
	if got := fmt.Sprint(readHparams(t, smooth)["label-smoothing"]); got != "0.1" {
		t.Errorf(`hparams.json after --resume: "label-smoothing" %s, want 0.1`, got)
	}
}

// A --label-smoothing outside [0, 1), or one with --loss focal, is a
// usage error naming the flag (and --loss).
func TestTrainLabelSmoothingRejectsBadValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--label-smoothing", "1"}, []string{"--label-smoothing 1"}},
		{[]string{"--label-smoothing", "-0.1"}, []string{"--label-smoothing -0.1"}},
		{[]string{"--label-smoothing", "NaN"}, []string{"--label-smoothing NaN"}},
		{[]string{"--label-smoothing", "0.1", "--loss", "focal"}, []string{"--label-smoothing 0.1", "--loss focal"}},
		{[]string{"--label-smoothing", "0.1", "--recipe", "exp02"}, []string{"--label-smoothing 0.1", "--loss focal"}},
	} {
		args := append([]string{"train", "--backend", "cpu", "--logdir", filepath.Join(t.TempDir(), "run"), "--quiet"}, c.args...)
		code, _, errOut := wgtrain(args...)
		ok := code == 2
		for _, w := range c.want {
			ok = ok && strings.Contains(errOut, w)
		}
		if !ok {
			t.Errorf("train %v: exit %d, stderr %q; want 2 naming %q", c.args, code, errOut, c.want)
		}
	}
}
