package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// A tiny SGD run with Nesterov momentum and weight decay trains, records
// its optimizer in hparams.json with the default momentum filled in, and
// resumes with them; --resume with another optimizer or momentum is
// refused naming the flag.
func TestTrainSGDRecordsAndResumes(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "sgd")
	mustTrain(t, smallRun(logdir, "--epochs", "1", "--lr", "0.05", "--optimizer", "sgd", "--nesterov", "--weight-decay", "5e-4")...)
	checkOptimizerHparams(t, logdir, "sgd", "0.9", true, "0.0005")
	f, err := safetensors.ReadFile(filepath.Join(logdir, "checkpoints", "resume.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Get("optim/0.0.weight/momentum_buffer"); !ok {
		t.Error("the resume checkpoint has no optim/0.0.weight/momentum_buffer")
	}
	for _, c := range []struct{ flag, value, want string }{
		{"--optimizer", "adamw", "--optimizer: sgd in the run, adamw given"},
		{"--momentum", "0.5", "--momentum: 0.9 in the run, 0.5 given"},
		{"--weight-decay", "0", "--weight-decay: 0.0005 in the run, 0 given"},
	} {
		code, _, errOut := wgtrain("train", "--resume", "--logdir", logdir, "--epochs", "2", "--quiet", c.flag, c.value)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("--resume %s %s: exit %d, stderr %q; want exit 2 and %q", c.flag, c.value, code, errOut, c.want)
		}
	}
	mustTrain(t, "train", "--resume", "--logdir", logdir, "--epochs", "2", "--quiet")
	checkOptimizerHparams(t, logdir, "sgd", "0.9", true, "0.0005")
}

// checkOptimizerHparams checks the run's recorded optimizer settings.
func checkOptimizerHparams(t *testing.T, logdir, name, momentum string, nesterov bool, wd string) {
	t.Helper()
	h := readHparams(t, logdir)
	if h["optimizer"] != name {
		t.Errorf("optimizer = %#v, want %q", h["optimizer"], name)
	}
	if n, ok := h["momentum"].(json.Number); !ok || n.String() != momentum {
		t.Errorf("momentum = %#v, want the number %s", h["momentum"], momentum)
	}
	if b, ok := h["nesterov"].(bool); !ok || b != nesterov {
		t.Errorf("nesterov = %#v, want %v", h["nesterov"], nesterov)
	}
	if n, ok := h["weight-decay"].(json.Number); !ok || n.String() != wd {
		t.Errorf("weight-decay = %#v, want the number %s", h["weight-decay"], wd)
	}
}

// Bad optimizer flags and combinations exit 2 naming the flag, before
// any work.
func TestTrainBadOptimizerFlags(t *testing.T) {
	logdir := filepath.Join(t.TempDir(), "run")
	train := func(args ...string) []string {
		return append([]string{"train", "--logdir", logdir, "--backend", "cpu", "--quiet", "--epochs", "1",
			"--width", "2", "--train-limit", "32", "--valid-split", "0", "--test-limit", "16"}, args...)
	}
	checkBadFlags(t, []badFlag{
		{train("--optimizer", "rmsprop"), `wgtrain train: --optimizer "rmsprop": want adam, adamw or sgd`},
		{train("--momentum", "0.9"), "wgtrain train: --momentum 0.9: only --optimizer sgd has a momentum (--optimizer adam)"},
		{train("--optimizer", "adamw", "--momentum", "0"), "wgtrain train: --momentum 0: only --optimizer sgd"},
		{train("--optimizer", "adamw", "--nesterov"), "wgtrain train: --nesterov: only --optimizer sgd has Nesterov momentum (--optimizer adamw)"},
		{train("--optimizer", "sgd", "--momentum", "0", "--nesterov"), "wgtrain train: --nesterov: needs --momentum > 0"},
		{train("--optimizer", "sgd", "--momentum", "1"), "wgtrain train: --momentum 1: want 0 <= M < 1"},
		{train("--optimizer", "sgd", "--momentum", "-0.1"), "wgtrain train: --momentum -0.1: want 0 <= M < 1"},
		{train("--weight-decay", "-1"), "wgtrain train: --weight-decay -1: want a finite number >= 0"},
		{train("--optimizer", "adamw", "--weight-decay", "NaN"), "wgtrain train: --weight-decay NaN: want a finite number >= 0"},
		{train("--momentum", "lots"), `"lots" for "--momentum"`},
	})
	if _, err := os.Stat(logdir); err == nil {
		t.Errorf("a bad optimizer flag left %s behind", logdir)
	}
}

// AdamW's weight decay defaults to torch.optim.AdamW's 0.01; a run saved
// before the optimizer was recorded resumes as Adam, and refuses another
// --optimizer.
func TestAdamWDefaultAndUnrecordedOptimizer(t *testing.T) {
	needFashionMNIST(t)
	adamw := filepath.Join(t.TempDir(), "adamw")
	mustTrain(t, smallRun(adamw, "--epochs", "1", "--optimizer", "adamw")...)
	checkOptimizerHparams(t, adamw, "adamw", "0", false, "0.01")

	logdir := filepath.Join(t.TempDir(), "old")
	mustTrain(t, smallRun(logdir, "--epochs", "1")...)
	checkOptimizerHparams(t, logdir, "adam", "0", false, "0")
	keys := []string{"optimizer", "momentum", "nesterov", "weight-decay"}
	h := readHparams(t, logdir)
	for _, k := range keys {
		delete(h, k)
	}
	writeSavedHparams(t, logdir, h)
	code, _, errOut := wgtrain("train", "--resume", "--logdir", logdir, "--epochs", "2", "--quiet", "--optimizer", "sgd")
	if code != 2 || !strings.Contains(errOut, "--optimizer: adam in the run, sgd given") {
		t.Errorf("resuming an unrecorded (Adam) run with --optimizer sgd: exit %d, stderr %q", code, errOut)
	}
	mustTrain(t, "train", "--resume", "--logdir", logdir, "--epochs", "2", "--quiet")
	checkOptimizerHparams(t, logdir, "adam", "0", false, "0")
}
