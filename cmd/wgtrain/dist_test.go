//go:build mpi

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/trainer"
)

// The data-parallel train command's tests (build tag mpi): each starts
// this test binary as wgtrain (WGTRAIN_TEST_MAIN) on two ranks under
// `mpirun --allow-run-as-root --oversubscribe -np 2`, on a few hundred
// Fashion-MNIST images with the CPU backend.

// distRun is the arguments of a 2-epoch run on 256 training images (64 of
// them the validation split, 96 test images), batch 16 per rank, then
// extra, then --logdir.
func distRun(logdir string, extra ...string) []string {
	args := []string{"train", "--data-dir", fmnist, "--train-limit", "256", "--valid-split", "64", "--test-limit", "96",
		"--width", "4", "--epochs", "2", "--batch-size", "16", "--backend", "cpu", "--quiet"}
	return append(append(args, extra...), "--logdir", logdir)
}

// mpirunWgtrain runs wgtrain (this test binary) on two ranks with args,
// or, with MPMD's ':', rank 0 with args and rank 1 with rank1 when it is
// not nil, and returns the exit error and the output of every rank.
func mpirunWgtrain(t *testing.T, args, rank1 []string) (err error, stdout, stderr string) {
	t.Helper()
	path, lerr := exec.LookPath("mpirun")
	if lerr != nil {
		citest.Missing(t, "MPI", "no mpirun on PATH (Debian: openmpi-bin, libopenmpi-dev; `make deps`)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	full := []string{"--allow-run-as-root", "--oversubscribe", "--timeout", "170"}
	if rank1 == nil {
		full = append(append(full, "-np", "2", os.Args[0]), args...)
	} else {
		full = append(append(full, "-np", "1", os.Args[0]), args...)
		full = append(append(full, ":", "-np", "1", os.Args[0]), rank1...)
	}
	cmd := exec.CommandContext(ctx, path, full...)
	cmd.Env = append(os.Environ(), "WGTRAIN_TEST_MAIN=1", "OMPI_MCA_mpi_yield_when_idle=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mpirun did not end in 3 minutes:\n%s\n%s", o.String(), e.String())
	}
	return err, o.String(), e.String()
}

// sameFile fails the test unless the two files hold the same bytes.
func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("%s and %s differ", a, b)
	}
}

// TestDistTrainReportEqualsOneProcess checks a 2-rank run: one summary
// (rank 0's) naming the global batch, "ranks": 2 in hparams.json, and
// its final predictions and report equal, byte for byte, those of one
// process predicting with its best checkpoint (`wgtrain predict`, then
// `wgtrain report`); then that a second identical run writes identical
// checkpoints.
func TestDistTrainReportEqualsOneProcess(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	run1 := filepath.Join(dir, "run1")
	err, out, errOut := mpirunWgtrain(t, distRun(run1), nil)
	if err != nil {
		t.Fatalf("mpirun: %v\nstdout %s\nstderr %s", err, out, errOut)
	}
	if strings.Count(out, "best model:") != 1 || strings.Count(out, "data-parallel: 2 ranks × batch 16 = global batch 32\n") != 1 {
		t.Errorf("want one summary, with the global batch:\n%s", out)
	}
	var h map[string]any
	if data, err := os.ReadFile(filepath.Join(run1, "hparams.json")); err != nil || json.Unmarshal(data, &h) != nil || h["ranks"] != 2.0 {
		t.Errorf("hparams.json: ranks %v (%v), want 2", h["ranks"], err)
	}
	best := filepath.Join(run1, "checkpoints", "best.safetensors")
	for _, split := range []string{"valid", "test"} {
		one := filepath.Join(dir, split+".csv")
		code, _, e := wgtrain("predict", "--data-dir", fmnist, "--checkpoint", best, "--split", split, "--valid-split", "64",
			"--limit", map[string]string{"valid": "0", "test": "96"}[split], "--backend", "cpu", "--quiet", "--out", one)
		if code != 0 {
			t.Fatalf("predict %s: exit %d: %s", split, code, e)
		}
		ran := filepath.Join(run1, "predictions", split+".csv")
		sameFile(t, ran, one)
		_, a, _ := wgtrain("report", "--predictions", ran, "--format", "json")
		_, b, _ := wgtrain("report", "--predictions", one, "--format", "json")
		if a != b || !strings.Contains(a, "accuracy") {
			t.Errorf("%s: the run's report differs from one process's:\n%s\n%s", split, a, b)
		}
	}

	run2 := filepath.Join(dir, "run2")
	if err, out, errOut := mpirunWgtrain(t, distRun(run2), nil); err != nil {
		t.Fatalf("second run: %v\n%s\n%s", err, out, errOut)
	}
	for _, f := range []string{"best.safetensors", "last.safetensors"} {
		sameFile(t, filepath.Join(run1, "checkpoints", f), filepath.Join(run2, "checkpoints", f))
	}
}

// TestDistTrainResumes checks that a 2-rank run of 1 epoch resumed to 2
// ends with the weights of a 2-rank run of 2 epochs straight.
func TestDistTrainResumes(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	straight, resumed := filepath.Join(dir, "straight"), filepath.Join(dir, "resumed")
	if err, out, errOut := mpirunWgtrain(t, distRun(straight), nil); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if err, out, errOut := mpirunWgtrain(t, distRun(resumed, "--epochs", "1"), nil); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if err, out, errOut := mpirunWgtrain(t, distRun(resumed, "--resume"), nil); err != nil {
		t.Fatalf("resume: %v\n%s\n%s", err, out, errOut)
	}
	sameFile(t, filepath.Join(straight, "checkpoints", "last.safetensors"), filepath.Join(resumed, "checkpoints", "last.safetensors"))
}

// TestDistTrainRankFailureStopsEveryRank checks that an error on one
// rank ends both, with a message naming the rank: rank 1 given a bad
// flag (MPMD launch) while rank 0 waits for it, and rank 0 refusing a
// run directory that holds another run while rank 1 waits.
func TestDistTrainRankFailureStopsEveryRank(t *testing.T) {
	needFashionMNIST(t)
	dir := t.TempDir()
	logdir := filepath.Join(dir, "run")
	err, _, errOut := mpirunWgtrain(t, distRun(logdir), distRun(logdir, "--valid-metric", "nosuch"))
	if err == nil || !strings.Contains(errOut, "rank 1 of 2: train: --valid-metric") {
		t.Errorf("rank 1 with a bad flag: %v, stderr:\n%s", err, errOut)
	}
	if err := os.MkdirAll(filepath.Join(logdir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logdir, "checkpoints", "last.safetensors"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err, _, errOut = mpirunWgtrain(t, distRun(logdir), nil)
	if err == nil || !strings.Contains(errOut, "rank 0 of 2: train:") {
		t.Errorf("a used run directory: %v, stderr:\n%s", err, errOut)
	}
}

// TestDistTrainInterruptedAtTheSameStep sends SIGTERM (what Ctrl-C in a
// terminal, or Slurm's scancel, gives every rank) to both ranks of a run
// once it has started, and checks that the ranks agreed on a batch
// boundary: both ranks said how to continue, and rank 0 saved a resume
// checkpoint inside the first epoch (at its start when a rank was still
// loading the data: train catches the signals from its start).
func TestDistTrainInterruptedAtTheSameStep(t *testing.T) {
	needFashionMNIST(t)
	path, err := exec.LookPath("mpirun")
	if err != nil {
		citest.Missing(t, "MPI", "no mpirun on PATH (Debian: openmpi-bin, libopenmpi-dev; `make deps`)")
	}
	logdir := filepath.Join(t.TempDir(), "run")
	args := append([]string{"--allow-run-as-root", "--oversubscribe", "--timeout", "170", "-np", "2", os.Args[0]},
		distRun(logdir, "--train-limit", "16000", "--epochs", "1")...)
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "WGTRAIN_TEST_MAIN=1", "OMPI_MCA_mpi_yield_when_idle=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Rank 0 creates tensorboard/ just before the first step.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(logdir, "tensorboard")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run did not start in 2 minutes:\n%s", e.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	kids, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "task", strconv.Itoa(cmd.Process.Pid), "children"))
	if err != nil || len(strings.Fields(string(kids))) != 2 {
		cmd.Process.Kill()
		t.Fatalf("mpirun's children %q (%v): want the 2 ranks", kids, err)
	}
	for _, k := range strings.Fields(string(kids)) {
		if pid, err := strconv.Atoi(k); err == nil {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the ranks did not stop within 2 minutes of SIGTERM")
	}
	if strings.Count(e.String(), "interrupted; a checkpoint was saved: continue with wgtrain train --resume") != 2 {
		t.Fatalf("stderr does not say the run was interrupted:\n%s", e.String())
	}
	s, err := trainer.RunDir(logdir).Saved()
	if err != nil || s.Epochs != 0 {
		t.Fatalf("resume checkpoint: %+v, %v: want one inside the first epoch", s, err)
	}
}

// TestDistTrainLikeTorchDDP checks `mpirun -np 2 wgtrain-mpi train` from
// PyTorch's initial state against PyTorch's DistributedDataParallel on
// two gloo processes (scripts/gen_ddp.py): three steps of batch 16 per
// rank on the first 96 Fashion-MNIST images in file order, each rank
// taking every other image (DistributedSampler, shuffle=False), dropout
// 0. Rank 0's weights and running statistics must land on PyTorch's rank
// 0 within TestInitFromPyTorchTrainsLikePyTorch's tolerances: relative
// 2e-4, and 4e-3 for the biases of convolutions before a batch norm and
// the running means they feed (zero true gradient: Adam turns rounding
// noise there into steps of up to lr).
func TestDistTrainLikeTorchDDP(t *testing.T) {
	needFashionMNIST(t)
	f, err := safetensors.ReadFile("testdata/pytorch_ddp_steps.safetensors")
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
	err, out, errOut := mpirunWgtrain(t, []string{"train", "--data-dir", fmnist, "--init-from", initPath, "--width", "4",
		"--dropout", "0", "--shuffle=false", "--train-limit", "96", "--batch-size", "16", "--epochs", "1",
		"--valid-split", "0", "--test-limit", "32", "--backend", "cpu", "--logdir", logdir, "--quiet"}, nil)
	if err != nil {
		t.Fatalf("mpirun: %v\n%s\n%s", err, out, errOut)
	}
	got, err := safetensors.ReadFile(filepath.Join(logdir, "checkpoints", "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tensors) != len(init) {
		t.Fatalf("the checkpoint has %d tensors, PyTorch's state %d", len(got.Tensors), len(init))
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
