package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/trainer"
)

// TestTrainOneCycle runs two epochs of 4 batches with --schedule onecycle:
// hparams.json records the schedule's settings, metrics.json's epoch
// rates are OneCycleLR's at each epoch's last step (the last one its
// min_lr, --lr/--div-factor/--final-div-factor), --resume takes the
// settings back, and --resume with other --epochs is refused.
func TestTrainOneCycle(t *testing.T) {
	needFashionMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, _, errOut := wgtrain(smallRun(dir, "--epochs", "2", "--batch-size", "16", "--schedule", "onecycle",
		"--lr", "0.002", "--pct-start", "0.4", "--final-div-factor", "100", "--base-momentum", "0.8")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	h := readHparams(t, dir)
	for k, want := range map[string]string{"schedule": "onecycle", "pct-start": "0.4", "div-factor": "25",
		"final-div-factor": "100", "cycle-momentum": "true", "base-momentum": "0.8", "max-momentum": "0.95"} {
		if got, err := scalarText(h[k]); err != nil || got != want {
			t.Errorf("hparams.json %q = %v, want %s", k, h[k], want)
		}
	}
	var mj struct {
		History []trainer.EpochRecord `json:"history"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "checkpoints", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &mj); err != nil || len(mj.History) != 2 {
		t.Fatalf("metrics.json: %v, %d epochs", err, len(mj.History))
	}
	s, err := trainer.NewOneCycleLR(trainer.OneCycleLR{MaxLR: 0.002, TotalSteps: 8, PctStart: 0.4, Anneal: "cos",
		DivFactor: 25, FinalDivFactor: 100, CycleMomentum: true, BaseMomentum: 0.8, MaxMomentum: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mj.History[0].LR, s.At(0, 3).LR; got != want {
		t.Errorf("epoch 1 lr %v, want OneCycleLR's at step 3, %v", got, want)
	}
	maxLR := 0.002 // a variable: divided in float64, as PyTorch does, not as an exact constant
	if got, want := mj.History[1].LR, maxLR/25/100; got != want {
		t.Errorf("epoch 2 lr %v, want min_lr %v", got, want)
	}
	if code, _, errOut := wgtrain("train", "--resume", "--quiet", "--logdir", dir); code != 0 {
		t.Errorf("--resume: exit %d: %s", code, errOut)
	}
	code, _, errOut = wgtrain("train", "--resume", "--quiet", "--epochs", "3", "--logdir", dir)
	if code != 2 || !strings.Contains(errOut, "--epochs 3") || !strings.Contains(errOut, "--schedule onecycle") {
		t.Errorf("--resume --epochs 3: exit %d, %s; want 2 naming --epochs and the schedule", code, errOut)
	}
}

// TestScheduleFlagErrors checks that bad schedule flags exit 2 naming the
// flag, before any data is read.
func TestScheduleFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--schedule", "cosine"}, "--schedule"},
		{[]string{"--schedule", "onecycle", "--milestones", "3"}, "--milestones"},
		{[]string{"--schedule", "linear", "--gamma", "0.5"}, "--gamma"},
		{[]string{"--pct-start", "0.2"}, "--pct-start"},
		{[]string{"--cycle-momentum=false"}, "--cycle-momentum"},
		{[]string{"--schedule", "onecycle", "--pct-start", "1.5"}, "--pct-start"},
		{[]string{"--schedule", "onecycle", "--pct-start", "NaN"}, "--pct-start"},
		{[]string{"--schedule", "onecycle", "--div-factor", "0"}, "--div-factor"},
		{[]string{"--schedule", "onecycle", "--final-div-factor", "+Inf"}, "--final-div-factor"},
		{[]string{"--schedule", "linear", "--base-momentum", "-0.1"}, "--base-momentum"},
		{[]string{"--schedule", "linear", "--max-momentum", "1"}, "--max-momentum"},
	} {
		args := append([]string{"train", "--quiet", "--logdir", filepath.Join(t.TempDir(), "run")}, c.args...)
		code, _, errOut := wgtrain(args...)
		if code != 2 || !strings.Contains(errOut, c.flag) {
			t.Errorf("%v: exit %d, %q; want 2 naming %s", c.args, code, errOut, c.flag)
		}
	}
}

// TestOneCycleWarmUpOfOneStep checks the one warm-up length PyTorch cannot
// compute: --pct-start times the run's steps (2 epochs of 4 batches) is 1.
func TestOneCycleWarmUpOfOneStep(t *testing.T) {
	needFashionMNIST(t)
	code, _, errOut := wgtrain(smallRun(filepath.Join(t.TempDir(), "run"), "--epochs", "2", "--batch-size", "16",
		"--schedule", "onecycle", "--pct-start", "0.125")...)
	if code != 2 || !strings.Contains(errOut, "--pct-start 0.125") || !strings.Contains(errOut, "8 steps") {
		t.Errorf("exit %d, %q; want 2 naming --pct-start and the 8 steps", code, errOut)
	}
}

// TestResumeRunWithoutSchedule resumes a run whose hparams.json predates
// --schedule (its keys removed): it continues as multistep, which the
// rewritten hparams.json then records.
func TestResumeRunWithoutSchedule(t *testing.T) {
	needFashionMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, errOut := wgtrain(smallRun(dir, "--epochs", "1", "--batch-size", "32")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	h := readHparams(t, dir)
	if h["schedule"] != "multistep" {
		t.Fatalf("hparams.json schedule = %v, want multistep", h["schedule"])
	}
	for _, k := range append([]string{"schedule"}, oneCycleOnly...) {
		delete(h, k)
	}
	data, _ := json.Marshal(h)
	if err := os.WriteFile(filepath.Join(dir, "hparams.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := wgtrain("train", "--resume", "--quiet", "--epochs", "2", "--logdir", dir); code != 0 {
		t.Fatalf("--resume --epochs 2: exit %d: %s", code, errOut)
	}
	if h := readHparams(t, dir); h["schedule"] != "multistep" || h["epochs"] != json.Number("2") {
		t.Errorf("after --resume: schedule %v, epochs %v; want multistep, 2", h["schedule"], h["epochs"])
	}
}
