package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// train --tta flip records "tta": "flip" in hparams.json and evaluates
// with it; predict on the run's checkpoint takes the run's --tta (the same
// predictions file and test accuracy as the run's), --tta none gives other
// logits, and a bad --tta or saved "tta" is refused.
func TestTTAFlipTrainAndPredict(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	code, stdout, errOut := wgtrain(smallRun(logdir, "--epochs", "1", "--tta", "flip")...)
	if code != 0 {
		t.Fatalf("train --tta flip: exit %d: %s", code, errOut)
	}
	runAcc := regexp.MustCompile(`test split: accuracy [0-9.]+`).FindString(stdout)
	if runAcc == "" {
		t.Fatalf("train printed no test accuracy: %q", stdout)
	}
	hp, err := os.ReadFile(filepath.Join(logdir, "hparams.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(hp, &h); err != nil {
		t.Fatal(err)
	}
	if h["tta"] != "flip" {
		t.Errorf(`hparams.json: "tta" is %v, want "flip"`, h["tta"])
	}

	ckpt := filepath.Join(logdir, "checkpoints", "best.safetensors")
	predict := func(out string, extra ...string) (int, string, string) {
		args := append([]string{"predict", "--checkpoint", ckpt, "--split", "test", "--limit", "32", "--batch-size", "32",
			"--backend", "cpu", "--out", out}, extra...)
		return wgtrain(args...)
	}
	out := filepath.Join(dir, "test.csv")
	code, stdout, errOut = predict(out)
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, runAcc) {
		t.Errorf("predict printed %q; want the run's %q", stdout, runAcc)
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
		t.Errorf("predict (the run's --tta flip) wrote\n%s\nthe run wrote\n%s", got, want)
	}
	none := filepath.Join(dir, "none.csv")
	if code, _, errOut = predict(none, "--tta", "none"); code != 0 {
		t.Fatalf("predict --tta none: exit %d: %s", code, errOut)
	}
	if got, err := os.ReadFile(none); err != nil || bytes.Equal(got, want) {
		t.Errorf("predict --tta none wrote the flip predictions (read error %v)", err)
	}

	for _, args := range [][]string{
		{"train", "--backend", "cpu", "--logdir", filepath.Join(dir, "bogus")},
		{"predict", "--checkpoint", ckpt, "--out", filepath.Join(dir, "x.csv"), "--backend", "cpu"},
	} {
		code, _, errOut = wgtrain(append(args, "--tta", "bogus")...)
		if code != 2 || !strings.Contains(errOut, `--tta "bogus"`) {
			t.Errorf("%s --tta bogus: exit %d, stderr %q; want 2 and the flag named", args[0], code, errOut)
		}
	}

	h["tta"] = "mirror"
	hp, _ = json.Marshal(h)
	if err := os.WriteFile(filepath.Join(logdir, "hparams.json"), hp, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = predict(filepath.Join(dir, "y.csv"))
	if code == 0 || !strings.Contains(errOut, "hparams.json") || !strings.Contains(errOut, "mirror") {
		t.Errorf(`predict with "tta": "mirror" saved: exit %d, stderr %q; want an error naming the file and the value`, code, errOut)
	}
}
