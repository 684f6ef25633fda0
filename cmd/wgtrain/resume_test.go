package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/testfiles"
	"github.com/wgtrain/wgtrain/trainer"
)

// mustTrain runs wgtrain and fails the test unless it exits 0.
func mustTrain(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, out, errOut := wgtrain(args...)
	if code != 0 {
		t.Fatalf("wgtrain %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out, errOut
}

// readHparams decodes a run's hparams.json keeping numbers as json.Number.
func readHparams(t *testing.T, logdir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(logdir, "hparams.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var h map[string]any
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// sameWeights fails unless two checkpoints hold bit-identical tensors.
func sameWeights(t *testing.T, a, b string) {
	t.Helper()
	if d := testfiles.SameTensors(t, a, b); d != "" {
		t.Fatal(d)
	}
}

// hparams.json holds numbers, booleans and lists of numbers as JSON's
// own types, strings only for the settings that are strings.
func TestHparamsJSONIsTyped(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	mustTrain(t, smallRun(logdir, "--epochs", "1", "--lr", "2e-3", "--loss-weights", "0.25,0.75", "--seed", "18446744073709551615")...)
	h := readHparams(t, logdir)
	for k, want := range map[string]string{"epochs": "1", "width": "4", "lr": "0.002", "seed": "18446744073709551615",
		"test-limit": "32", "valid-split": "0", "dropout": "0.2", "batch-size": "32"} {
		if n, ok := h[k].(json.Number); !ok || n.String() != want {
			t.Errorf("%s = %#v, want the number %s", k, h[k], want)
		}
	}
	for k, want := range map[string]bool{"augment": false, "shuffle": true, "minimize": false, "resume": false, "coarse": false} {
		if b, ok := h[k].(bool); !ok || b != want {
			t.Errorf("%s = %#v, want the boolean %v", k, h[k], want)
		}
	}
	for k, want := range map[string]string{"milestones": "5,8", "loss-weights": "0.25,0.75"} {
		list, ok := h[k].([]any)
		var got []string
		for _, x := range list {
			n, isNum := x.(json.Number)
			ok = ok && isNum
			got = append(got, n.String())
		}
		if !ok || strings.Join(got, ",") != want {
			t.Errorf("%s = %#v, want the numbers %s", k, h[k], want)
		}
	}
	strs := map[string]bool{"recipe": true, "loss": true, "valid-metric": true, "logdir": true, "backend": true,
		"dataset": true, "data-dir": true, "init-from": true, "normalize": true, "stop-at": true}
	strs["tta"] = true       // --tta none|flip
	strs["schedule"] = true  // --schedule multistep|onecycle|linear
	strs["optimizer"] = true // --optimizer adam|adamw|sgd
	strs["precision"] = true // --precision f32|f16
	for k, v := range h {
		if _, isStr := v.(string); isStr != strs[k] {
			t.Errorf("%s = %#v: a string only for string settings", k, v)
		}
	}
	if c, ok := h["classes"].([]any); !ok || len(c) != 10 || c[0] != "T-shirt/top" {
		t.Errorf("classes = %#v", h["classes"])
	}
}

// oldStyle turns typed settings into the all-string ones that wgtrain
// wrote before (pflag's spellings: lists of strings, floats in lists with
// %f), leaving the class names as they were.
func oldStyle(t *testing.T, h map[string]any) map[string]any {
	t.Helper()
	text := func(k string, v any) string {
		switch x := v.(type) {
		case string:
			return x
		case bool:
			return strconv.FormatBool(x)
		case json.Number:
			if k == "loss-weights" {
				f, _ := x.Float64()
				return fmt.Sprintf("%f", f)
			}
			return x.String()
		}
		t.Fatalf("%s: unexpected %#v", k, v)
		return ""
	}
	old := map[string]any{}
	for k, v := range h {
		switch {
		case k == "classes":
			old[k] = v
		case fmt.Sprintf("%T", v) == "[]interface {}":
			var items []string
			for _, x := range v.([]any) {
				items = append(items, text(k, x))
			}
			old[k] = items
		default:
			old[k] = text(k, v)
		}
	}
	return old
}

// writeSavedHparams replaces the settings of the run in logdir, in
// hparams.json and in the resume checkpoint's copy, by h: the run as an
// older wgtrain would have saved it.
func writeSavedHparams(t *testing.T, logdir string, h map[string]any) {
	t.Helper()
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logdir, "hparams.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(logdir, "checkpoints", "resume.safetensors")
	f, err := safetensors.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal([]byte(f.Metadata["wgtrain_resume"]), &st); err != nil {
		t.Fatal(err)
	}
	if st["hparams"], err = json.Marshal(h); err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(st)
	if err := safetensors.WriteFile(ckpt, f.Tensors, map[string]string{"wgtrain_resume": string(meta)}); err != nil {
		t.Fatal(err)
	}
}

// A run written by an older wgtrain, whose hparams.json and resume
// checkpoint hold every setting as a string and lack the settings added
// since, still resumes, and then gets a typed hparams.json.
func TestResumeReadsAllStringHparams(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "old")
	mustTrain(t, smallRun(logdir, "--epochs", "1", "--lr", "2e-3")...)
	old := oldStyle(t, readHparams(t, logdir))
	// Settings that older versions did not record at all.
	for _, k := range []string{"image-size", "channels", "test-split", "skip-bad-images", "normalize", "normalize-mean", "normalize-std"} {
		if _, ok := old[k]; !ok {
			t.Errorf("hparams.json has no %q; the test's list of newer settings is out of date", k)
		}
		delete(old, k)
	}
	writeSavedHparams(t, logdir, old)
	if h := readHparams(t, logdir); h["epochs"] != "1" || h["augment"] != "false" || h["loss-weights"].([]any)[0] != "0.500000" {
		t.Fatalf("the old-style file is not all strings: %v", h)
	}

	_, errOut := mustTrain(t, "train", "--resume", "--logdir", logdir, "--epochs", "2", "--quiet")
	if !strings.Contains(errOut, "from 1 to 2 epochs") {
		t.Errorf("stderr %q: want the extension announced", errOut)
	}
	h := readHparams(t, logdir)
	if n, ok := h["epochs"].(json.Number); !ok || n != "2" {
		t.Errorf("after resuming, epochs = %#v, want the number 2", h["epochs"])
	}
	if n, ok := h["lr"].(json.Number); !ok || n != "0.002" {
		t.Errorf("after resuming, lr = %#v, want the number 0.002 taken from the old file", h["lr"])
	}
}

// Every flag that differs from the run's settings is listed in one
// error, with the run's value and the one given; --epochs only when it is
// below the epochs already trained; nothing runs.
func TestResumeListsEveryDifference(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	mustTrain(t, smallRun(logdir, "--epochs", "2")...)
	before, _ := os.ReadFile(filepath.Join(logdir, "checkpoints", "metrics.json"))
	code, _, errOut := wgtrain("train", "--resume", "--logdir", logdir, "--lr", "0.01", "--test-limit", "16",
		"--width", "8", "--augment", "--milestones", "1,2", "--epochs", "1", "--backend", "cpu", "--train-limit", "64")
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
	for _, want := range []string{"--lr: 0.001 in the run, 0.01 given", "--test-limit: 32 in the run, 16 given",
		"--width: 4 in the run, 8 given", "--augment: false in the run, true given", "--milestones: 5,8 in the run, 1,2 given",
		"--epochs 1: the run has trained 2 epochs already; want at least 2"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, same := range []string{"--backend", "--train-limit"} { // given, but equal to the run's
		if strings.Contains(errOut, same+":") {
			t.Errorf("stderr names %s, which is the run's value:\n%s", same, errOut)
		}
	}
	after, _ := os.ReadFile(filepath.Join(logdir, "checkpoints", "metrics.json"))
	if !bytes.Equal(before, after) {
		t.Error("the refused resume changed the run")
	}
}

// A finished run resumed with a higher --epochs trains on, says so and
// where it continues, and ends with the weights of a run that had that
// many epochs from the start.
func TestResumeExtendsAFinishedRun(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	whole, short := filepath.Join(dir, "whole"), filepath.Join(dir, "short")
	mustTrain(t, smallRun(whole, "--epochs", "2")...)
	mustTrain(t, smallRun(short, "--epochs", "1")...)
	_, errOut := mustTrain(t, "train", "--resume", "--logdir", short, "--epochs", "2")
	for _, want := range []string{fmt.Sprintf("extending the run in %s from 1 to 2 epochs", short),
		fmt.Sprintf("resuming %s at epoch 2 of 2, step 1 of 2\n", short)} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
	sameWeights(t, filepath.Join(whole, "checkpoints", "last.safetensors"), filepath.Join(short, "checkpoints", "last.safetensors"))
	// The same --epochs again finishes once more, with nothing to announce.
	_, errOut = mustTrain(t, "train", "--resume", "--logdir", short, "--epochs", "2")
	if strings.Contains(errOut, "extending") {
		t.Errorf("resuming at its own --epochs: %q", errOut)
	}
	if want := fmt.Sprintf("resuming %s after its last epoch (2): the final evaluation", short); !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}
}

// --backend may differ from the run's, with a line that says so.
func TestResumeOnAnotherBackend(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	mustTrain(t, smallRun(logdir, "--epochs", "1")...)
	_, errOut := mustTrain(t, "train", "--resume", "--logdir", logdir, "--backend", "auto", "--epochs", "2", "--quiet")
	if !strings.Contains(errOut, "trained on the cpu backend and continues with --backend auto") {
		t.Errorf("stderr %q: want the change of backend announced", errOut)
	}
}

// --resume with no run to resume is a usage error that creates nothing.
func TestResumeWithNothingToResume(t *testing.T) {
	dir := t.TempDir()
	missing, empty := filepath.Join(dir, "missing"), filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, logdir := range []string{missing, empty} {
		code, _, errOut := wgtrain("train", "--resume", "--logdir", logdir, "--backend", "cpu")
		if code != 2 || !strings.Contains(errOut, "no run to resume in "+logdir) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and no run to resume", logdir, code, errOut)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("%s was created: %v", missing, err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("%s holds %d entries, want none", empty, len(entries))
	}
}

// A run that fails before its first checkpoint leaves its files (the
// event files record the failure); the next run in that directory is
// refused, as a run with a checkpoint is, and adds nothing beside them.
func TestFailedRunDirectoryIsRefused(t *testing.T) {
	needFashionMNIST(t)
	logdir := filepath.Join(t.TempDir(), "run")
	code, _, errOut := wgtrain(smallRun(logdir, "--lr", "1e30", "--epochs", "1")...)
	if code != 1 || !strings.Contains(errOut, "not finite") {
		t.Fatalf("--lr 1e30: exit %d, stderr %q; want 1 and a non-finite loss", code, errOut)
	}
	events := func() []string {
		files, _ := filepath.Glob(filepath.Join(logdir, "tensorboard", "*", "events.out.tfevents.*"))
		return files
	}
	left := events()
	if len(left) == 0 {
		t.Fatal("the failed run left no event files: nothing to check")
	}
	code, _, errOut = wgtrain(smallRun(logdir, "--epochs", "1")...)
	if code != 1 || !strings.Contains(errOut, "holds the files of an earlier run") || !strings.Contains(errOut, "delete them or choose another --logdir") {
		t.Errorf("a new run in the failed run's directory: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = wgtrain("train", "--resume", "--logdir", logdir, "--quiet")
	if code != 2 || !strings.Contains(errOut, "no run to resume") {
		t.Errorf("--resume of the failed run: exit %d, stderr %q", code, errOut)
	}
	if now := events(); strings.Join(now, "\n") != strings.Join(left, "\n") {
		t.Errorf("event files %v after the refused runs, %v before", now, left)
	}
}

// After Ctrl-C wgtrain prints the command that continues the run; run
// verbatim by a shell, with wgtrain on PATH, it succeeds and ends with
// the weights of an uninterrupted run.
func TestPrintedResumeCommandRunsVerbatim(t *testing.T) {
	needFashionMNIST(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the printed command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(os.Args[0], filepath.Join(bin, "wgtrain")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "WGTRAIN_TEST_MAIN=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	args := func(limit int, logdir string) []string {
		return []string{"train", "--train-limit", strconv.Itoa(limit), "--valid-split", "500", "--valid-limit", "64",
			"--test-limit", "64", "--epochs", "2", "--width", "4", "--lr", "2e-3", "--seed", "7", "--backend", "cpu",
			"--quiet", "--logdir", logdir}
	}
	// The signal must land before the run ends: a larger run if it did not.
	for try, limit := range []int{1024, 4096, 16384} {
		logdir := filepath.Join(dir, fmt.Sprintf("it's run %d", try)) // a space and a quote to quote
		cmd := exec.Command(os.Args[0], args(limit, logdir)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitForCheckpoint(t, cmd, logdir)
		// Into the second epoch: a fraction of the first one's time.
		time.Sleep(time.Since(start) / 4)
		cmd.Process.Signal(syscall.SIGINT)
		if cmd.Wait() == nil {
			continue // finished before the signal
		}
		const lead = "continue with "
		i := strings.LastIndex(stderr.String(), lead)
		if i < 0 {
			t.Fatalf("after Ctrl-C, stderr %q has no command", stderr.String())
		}
		printed, _, _ := strings.Cut(stderr.String()[i+len(lead):], "\n")
		if !strings.HasPrefix(printed, "wgtrain train --resume --logdir ") || strings.Contains(printed, "same flags") {
			t.Fatalf("printed %q", printed)
		}
		if s, err := trainer.RunDir(logdir).Saved(); err == nil {
			t.Logf("try %d: interrupted after %d epochs and %d batches; printed %s", try, s.Epochs, s.Batches, printed)
		}
		resume := exec.Command(sh, "-c", printed)
		resume.Env = env
		if out, err := resume.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", printed, err, out)
		}
		whole := filepath.Join(dir, "whole")
		mustTrain(t, args(limit, whole)...)
		sameWeights(t, filepath.Join(whole, "checkpoints", "last.safetensors"), filepath.Join(logdir, "checkpoints", "last.safetensors"))
		return
	}
	t.Fatal("every run ended before Ctrl-C reached it")
}
