package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/internal/safetensors"
)

const fmnist = "/usr/share/datasets/fashion-mnist"

// needFashionMNIST skips a test that reads the real Fashion-MNIST files
// where they are not installed, except under CI (citest.Strict), where
// the test command installs them.
func needFashionMNIST(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(fmnist, "train-images-idx3-ubyte.gz")); err != nil {
		citest.Missing(t, "Fashion-MNIST", fmnist+" is not installed (apt-get install dataset-fashion-mnist)")
	}
}

// TestMain lets the test binary act as wgtrain, for the kill -9 test.
func TestMain(m *testing.M) {
	if os.Getenv("WGTRAIN_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// waitForCheckpoint waits up to 60 s for the run of cmd in logdir to
// save its first resume checkpoint, and kills it and fails the test if
// none comes.
func waitForCheckpoint(t *testing.T, cmd *exec.Cmd, logdir string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(logdir, "checkpoints", "resume.safetensors")); err == nil {
			return
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint after 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A resnet9 initialized by PyTorch, given to --init-from, trains two
// steps (no shuffle, dropout 0) to PyTorch's weights
// (scripts/check_pytorch.py fixture wrote the expected ones).
//
// Tolerance: max(2e-4*|x+y|, 2e-6), the suite's whole-network tolerance.
// Two exceptions, both from the biases of convolutions feeding a batch
// norm, whose true gradient is zero (see conformance/golden_resnet9.go):
// Adam turns each library's rounding noise there into steps of up to lr,
// so those biases are checked within 2*lr*steps = 4e-3, and so are the
// running means of the batch norms they feed, which average the bias in.
func TestInitFromPyTorchTrainsLikePyTorch(t *testing.T) {
	needFashionMNIST(t)
	f, err := safetensors.ReadFile("testdata/pytorch_two_steps.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var init []safetensors.Tensor
	for _, x := range f.Tensors {
		if strings.HasPrefix(x.Name, "init/") {
			x.Name = strings.TrimPrefix(x.Name, "init/")
			init = append(init, x)
		}
	}
	initPath := filepath.Join(dir, "init.safetensors")
	if err := safetensors.WriteFile(initPath, init, nil); err != nil {
		t.Fatal(err)
	}
	logdir := filepath.Join(dir, "run")
	code, _, errOut := wgtrain("train", "--init-from", initPath, "--width", "4", "--dropout", "0", "--shuffle=false",
		"--train-limit", "64", "--batch-size", "32", "--epochs", "1", "--valid-split", "0", "--test-limit", "32",
		"--backend", "cpu", "--logdir", logdir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := safetensors.ReadFile(filepath.Join(logdir, "checkpoints", "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got.Tensors {
		want, ok := f.Get("final/" + g.Name)
		if !ok {
			t.Fatalf("the fixture has no final/%s", g.Name)
		}
		if g.DType == safetensors.DTypeI64 {
			a, _ := g.Int64s()
			b, _ := want.Int64s()
			if a[0] != b[0] {
				t.Errorf("%s = %d, PyTorch %d", g.Name, a[0], b[0])
			}
			continue
		}
		a, _ := g.Float32s()
		b, _ := want.Float32s()
		zeroGrad := strings.HasSuffix(g.Name, ".0.bias") || strings.HasSuffix(g.Name, ".1.running_mean")
		for i := range a {
			x, y := float64(a[i]), float64(b[i])
			lim := max(2e-4*math.Abs(x+y), 2e-6)
			if zeroGrad {
				lim = 4e-3
			}
			if !(math.Abs(x-y) <= lim) {
				t.Errorf("%s[%d] = %g, PyTorch %g", g.Name, i, x, y)
				break
			}
		}
	}
}

// A run killed with SIGKILL at an arbitrary moment, or stopped with
// Ctrl-C, continues with --resume to exactly the weights of a run that
// was never interrupted.
func TestKill9AndResume(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	args := func(logdir string) []string {
		return []string{"train", "--width", "2", "--train-limit", "192", "--valid-split", "500", "--valid-limit", "64",
			"--test-limit", "64", "--epochs", "2", "--backend", "cpu", "--logdir", logdir, "--quiet"}
	}
	whole := filepath.Join(dir, "whole")
	if code, _, errOut := wgtrain(args(whole)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, errOut)
	}
	for i, delay := range []time.Duration{0, 150 * time.Millisecond, 0} {
		sig := syscall.SIGKILL
		if i == 2 {
			sig = syscall.SIGINT // Ctrl-C: a checkpoint at the step, and a clean exit
		}
		logdir := filepath.Join(dir, "killed"+string(rune('a'+i)))
		cmd := exec.Command(os.Args[0], args(logdir)...)
		cmd.Env = append(os.Environ(), "WGTRAIN_TEST_MAIN=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the first epoch's checkpoint, then a little more.
		waitForCheckpoint(t, cmd, logdir)
		time.Sleep(delay)
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if sig == syscall.SIGINT && (err == nil || !strings.Contains(stderr.String(), "--resume")) {
			t.Errorf("after Ctrl-C: %v, stderr %q; want a failure status and the resume command", err, stderr.String())
		}
		if code, _, errOut := wgtrain(append(args(logdir), "--resume")...); code != 0 {
			t.Fatalf("resume after kill -9: exit %d: %s", code, errOut)
		}
		a, _ := os.ReadFile(filepath.Join(whole, "checkpoints", "last.safetensors"))
		b, _ := os.ReadFile(filepath.Join(logdir, "checkpoints", "last.safetensors"))
		fa, err1 := safetensors.Parse(a, "whole")
		fb, err2 := safetensors.Parse(b, "resumed")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for j := range fa.Tensors {
			if string(fa.Tensors[j].Data) != string(fb.Tensors[j].Data) {
				t.Fatalf("kill after %v: %s differs from the uninterrupted run", delay, fa.Tensors[j].Name)
			}
		}
	}
}

func TestTrainRejectsBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--recipe", "exp04"}, `unknown --recipe "exp04"`},
		{[]string{"--loss", "hinge"}, `unknown --loss "hinge"`},
		{[]string{"--epochs", "0"}, "--epochs 0"},
		{[]string{"--lr", "-1"}, "--lr -1"},
		{[]string{"--dropout", "1"}, "--dropout 1"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"--loss", "ce+focal", "--loss-weights", "1"}, "--loss-weights"},
	} {
		code, _, errOut := wgtrain(append([]string{"train"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("train %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	needFashionMNIST(t)
	code, _, errOut := wgtrain("train", "--backend", "cpu", "--valid-metric", "nosuch", "--logdir", t.TempDir(), "--train-limit", "32", "--quiet")
	if code != 2 || !strings.Contains(errOut, `--valid-metric "nosuch"`) {
		t.Errorf("--valid-metric nosuch: exit %d, %q", code, errOut)
	}
}
