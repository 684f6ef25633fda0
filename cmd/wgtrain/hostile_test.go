package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// tinyCheckpoint writes a valid resnet9 state_dict (1-channel images, 10
// classes, width 4, 78 KB) to dir and returns its path and tensors.
func tinyCheckpoint(t *testing.T, dir string) (string, []safetensors.Tensor) {
	t.Helper()
	m, err := graph.NewResNet9(ops.NewCPU(), 1, 10, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tiny.safetensors")
	if err := trainer.SaveState(path, m, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, f.Tensors
}

// edited writes the tensors of a checkpoint with one entry replaced
// (when with.Name is set), added, or removed (remove), to dir/name.
func edited(t *testing.T, dir, name string, ts []safetensors.Tensor, with safetensors.Tensor, remove string) string {
	t.Helper()
	var out []safetensors.Tensor
	replaced := false
	for _, x := range ts {
		switch x.Name {
		case remove:
			continue
		case with.Name:
			x, replaced = with, true
		}
		out = append(out, x)
	}
	if with.Name != "" && !replaced {
		out = append(out, with)
	}
	path := filepath.Join(dir, name+".safetensors")
	if err := safetensors.WriteFile(path, out, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// zerosF32 is an F32 tensor of zeros.
func zerosF32(name string, shape ...int) safetensors.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return safetensors.F32(name, shape, make([]float32, n))
}

// The crafted checkpoint of issue 13: 3.6 MB, with 0.0.weight of shape
// [100000,1,3,3], once made wgtrain predict build a width-100000 resnet9
// and die with "fatal error: runtime: out of memory". It is refused before
// anything is built, naming the file and the entry. The command runs as a
// separate process, so that a crash shows as one.
func TestCraftedCheckpointIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, ts := tinyCheckpoint(t, dir)
	crafted := edited(t, dir, "crafted", ts, zerosF32("0.0.weight", 100000, 1, 3, 3), "")
	if fi, err := os.Stat(crafted); err != nil || fi.Size() < 3_600_000 || fi.Size() > 3_800_000 {
		t.Fatalf("crafted checkpoint: %v, %v bytes; want about 3.6 MB", err, fi.Size())
	}
	cmd := exec.Command(os.Args[0], "predict", "--checkpoint", crafted, "--backend", "cpu", "--out", filepath.Join(dir, "p.csv"))
	cmd.Env = append(os.Environ(), "WGTRAIN_TEST_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("predict on the crafted checkpoint: %v, stderr %q; want exit status 1", err, stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{crafted, "0.0.weight is [100000,1,3,3]", "resnet9 width 100000: want 1 to 512"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "fatal error") || strings.Contains(msg, "panic") || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr is not one line of error: %q", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.csv")); err == nil {
		t.Error("predict wrote an output for a refused checkpoint")
	}
}

// Every other way a checkpoint can disagree with the architecture it
// claims is found before a model is built: exit status 1 (bad file
// content, like any corrupt file) and a message naming the file and the
// entry.
func TestHostileCheckpoints(t *testing.T) {
	dir := t.TempDir()
	good, ts := tinyCheckpoint(t, dir)
	cases := []struct {
		name   string
		with   safetensors.Tensor
		remove string
		want   string
	}{
		{"classifier-width", zerosF32("6.3.weight", 10, 999), "", "6.3.weight is F32[10 999], the model expects F32[10 32]"},
		{"too-many-classes", zerosF32("6.3.weight", 10001, 32), "", "resnet9 of 10001 classes: want 1 to 10000"},
		{"too-many-channels", zerosF32("0.0.weight", 4, 2000, 3, 3), "", "resnet9 of 2000 input channels: want 1 to 1024"},
		{"zero-width", safetensors.Tensor{Name: "0.0.weight", DType: safetensors.DTypeF32, Shape: []int{0, 1 << 40, 3, 3}}, "", "resnet9 width 0"},
		{"inner-layer-shape", zerosF32("4.0.weight", 4000, 16, 3, 3), "", "4.0.weight is F32[4000 16 3 3], the model expects F32[32 16 3 3]"},
		{"f16", safetensors.Tensor{Name: "0.0.weight", DType: safetensors.DTypeF16, Shape: []int{4, 1, 3, 3}, Data: make([]byte, 72)}, "", "0.0.weight is F16[4 1 3 3], the model expects F32[4 1 3 3]"},
		{"missing", safetensors.Tensor{}, "5.block.1.1.running_var", "missing entry 5.block.1.1.running_var"},
		{"extra", zerosF32("7.weight", 1), "", "unexpected entries the model does not have: 7.weight"},
		{"counter", zerosF32("0.1.num_batches_tracked"), "", "0.1.num_batches_tracked must be an I64 scalar"},
		{"no-classifier", safetensors.Tensor{}, "6.3.weight", "not a resnet9 state_dict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := edited(t, dir, c.name, ts, c.with, c.remove)
			code, _, errOut := wgtrain("predict", "--checkpoint", path, "--backend", "cpu", "--out", filepath.Join(dir, c.name+".csv"))
			if code != 1 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, path) {
				t.Errorf("exit %d, stderr %q; want 1 and a message naming the file and saying %q", code, errOut, c.want)
			}
		})
	}
	// The unedited checkpoint passes the same checks.
	if _, err := trainer.ReadCheckpoint(good); err != nil {
		t.Errorf("the valid checkpoint: %v", err)
	}
}

// resumeLike writes a file laid out as checkpoints/resume.safetensors:
// the model under model/, the optimizer's state under optim/, the JSON state in
// the metadata.
func resumeLike(t *testing.T, dir string) string {
	t.Helper()
	m, err := graph.NewResNet9(ops.NewCPU(), 1, 10, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := statedict.Tensors(m, "model/")
	if err != nil {
		t.Fatal(err)
	}
	ts = append(ts, zerosF32("optim/6.3.bias/exp_avg", 10), zerosF32("optim/6.3.bias/exp_avg_sq", 10))
	path := filepath.Join(dir, "checkpoints", "resume.safetensors")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(path, ts, map[string]string{"wgtrain_resume": "{}"}); err != nil {
		t.Fatal(err)
	}
	return path
}

const suggestBest = "this is a resume checkpoint; use checkpoints/best.safetensors (or last.safetensors)"

// predict --checkpoint .../resume.safetensors says which file to use.
func TestPredictOnResumeCheckpointSuggestsBest(t *testing.T) {
	dir := t.TempDir()
	path := resumeLike(t, dir)
	code, _, errOut := wgtrain("predict", "--checkpoint", path, "--backend", "cpu", "--out", filepath.Join(dir, "p.csv"))
	if code != 1 || !strings.Contains(errOut, suggestBest) || !strings.Contains(errOut, path) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, suggestBest)
	}
}

// On a real run: its resume checkpoint is refused by predict and by
// --init-from with the same advice, and --init-from goes through the
// checks of predict (the crafted checkpoint, a checkpoint of another
// width).
func TestCheckpointChecksOnARealRun(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	small := []string{"--width", "4", "--train-limit", "64", "--batch-size", "32", "--epochs", "1",
		"--valid-split", "0", "--test-limit", "32", "--backend", "cpu", "--quiet"}
	code, _, errOut := wgtrain(append([]string{"train", "--logdir", logdir}, small...)...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	resume := filepath.Join(logdir, "checkpoints", "resume.safetensors")
	code, _, errOut = wgtrain("predict", "--checkpoint", resume, "--backend", "cpu", "--out", filepath.Join(dir, "p.csv"))
	if code != 1 || !strings.Contains(errOut, suggestBest) {
		t.Errorf("predict on the run's resume.safetensors: exit %d, stderr %q", code, errOut)
	}

	_, ts := tinyCheckpoint(t, dir)
	crafted := edited(t, dir, "crafted", ts, zerosF32("0.0.weight", 100000, 1, 3, 3), "")
	for i, c := range []struct {
		from  string
		width string
		want  []string
	}{
		{resume, "4", []string{suggestBest}},
		{crafted, "4", []string{"0.0.weight is [100000,1,3,3]", "width 100000: want 1 to 512"}},
		{filepath.Join(logdir, "checkpoints", "best.safetensors"), "8",
			[]string{"the checkpoint is a width-4 resnet9 for 1-channel images and 10 classes; the model is a width-8 resnet9"}},
	} {
		args := append([]string{"train", "--logdir", filepath.Join(dir, "init"+string(rune('a'+i))), "--init-from", c.from}, small...)
		args = append(args, "--width", c.width)
		code, _, errOut := wgtrain(args...)
		if code != 1 || !strings.Contains(errOut, c.from) {
			t.Errorf("--init-from %s: exit %d, stderr %q; want 1 and the file named", c.from, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("--init-from %s: stderr %q does not say %q", c.from, errOut, w)
			}
		}
	}
}
