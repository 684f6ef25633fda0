//go:build mpi

package trainer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
	"github.com/wgtrain/wgtrain/trainer/dist"
)

// The data-parallel step's tests: run alone (`go test -tags mpi`), the
// test binary starts itself under `mpirun -np 2`, where the TestRank
// tests run on both ranks over MPI.

// world is the Comm the test binary opened under mpirun; nil alone.
var world dist.Comm

func TestMain(m *testing.M) {
	if os.Getenv("OMPI_COMM_WORLD_SIZE") != "" {
		c, err := dist.Open()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		world = c
		code := m.Run()
		if err := c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestDataParallelStepUnderMPIRun runs the TestRank tests on two ranks
// and checks that both passed.
func TestDataParallelStepUnderMPIRun(t *testing.T) {
	if world != nil {
		t.Skip("under mpirun")
	}
	path, err := exec.LookPath("mpirun")
	if err != nil {
		citest.Missing(t, "MPI", "no mpirun on PATH (Debian: openmpi-bin, libopenmpi-dev; `make deps`)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--allow-run-as-root", "--oversubscribe", "--timeout", "100", "-np", "2",
		os.Args[0], "-test.run", "^TestRank", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "OMPI_MCA_mpi_yield_when_idle=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun -np 2: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "--- PASS: TestRankStepIsTheMeanOfTheHalves"); n != 2 {
		t.Fatalf("%d ranks passed TestRankStepIsTheMeanOfTheHalves, want 2:\n%s", n, out)
	}
}

// halfModel returns resnet9 (1 channel, 4 classes, width 2, dropout 0.2)
// initialized from a fixed seed.
func halfModel(t *testing.T, b ops.Backend) *graph.Model {
	t.Helper()
	m, err := graph.NewResNet9(b, 1, 4, 2, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(11, 12))); err != nil {
		t.Fatal(err)
	}
	return m
}

// halves returns a batch of 16 random images cut in two batches of 8.
func halves() [2]trainer.Batch {
	rng := rand.New(rand.NewPCG(3, 4))
	var out [2]trainer.Batch
	for h := range out {
		b := trainer.Batch{Images: make([]float32, 8*32*32), Shape: ops.Shape{8, 1, 32, 32}, Labels: make([]int32, 8)}
		for i := range b.Images {
			b.Images[i] = float32(rng.NormFloat64())
		}
		for i := range b.Labels {
			b.Labels[i] = int32(rng.IntN(4))
		}
		out[h] = b
	}
	return out
}

// gradsOf runs the forward and backward pass of a training step (seed,
// step 0) of m on b and returns the gradients in the optimizer's order.
func gradsOf(t *testing.T, be ops.Backend, m *graph.Model, b trainer.Batch, seed uint32) [][]float32 {
	t.Helper()
	c := graph.NewContext(be, true)
	c.Seed, c.Step = seed, 0
	x, _ := be.Alloc(ops.F32, b.Shape)
	y, _ := be.Alloc(ops.I32, ops.Shape{b.Shape[0]})
	if err := be.Upload(x, b.Images); err != nil {
		t.Fatal(err)
	}
	if err := be.UploadInt(y, b.Labels); err != nil {
		t.Fatal(err)
	}
	logits, err := m.Forward(c, x)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := graph.CrossEntropy{}.Loss(c, logits, c.Input(y))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Backward(loss); err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	for _, p := range m.Trainable() {
		g, err := be.Download(p.Grad)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
	}
	return out
}

// values returns the model's trainable (true) or running (false) values.
func values(t *testing.T, m *graph.Model, trainable bool) [][]float32 {
	t.Helper()
	var out [][]float32
	for _, p := range m.Params() {
		if p.Trainable() == trainable {
			v, err := p.Value.Owner().Download(p.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
	}
	return out
}

// sameBits reports the first value of got that differs from want.
func sameBits(t *testing.T, what string, got, want [][]float32) {
	t.Helper()
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s: tensor %d value %d is %g, want %g", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestRankStepIsTheMeanOfTheHalves checks, on every rank of a 2-rank run,
// that a data-parallel training step, each rank training on its half of
// a batch of 16, gives bit for bit the weights of one process that
// computes the two halves' gradients apart, averages them as the
// all-reduce does (each halved, then added) and takes the Adam step:
// DistributedDataParallel's semantics. (A step on the 16 images as one
// batch is not comparable: batch norm normalizes each rank's half by its
// own statistics.) Rank 0's running statistics are those of its half,
// rank 1's those of its own until SyncBuffers gives it rank 0's.
func TestRankStepIsTheMeanOfTheHalves(t *testing.T) {
	if world == nil {
		t.Skip("runs under mpirun (TestDataParallelStepUnderMPIRun)")
	}
	if world.Size() != 2 {
		t.Fatalf("%d ranks: want 2", world.Size())
	}
	be := ops.NewCPU()
	const seed, lr = 5, 1e-2
	hs := halves()
	m := halfModel(t, be)
	opt, err := trainer.NewAdam(be, m.Trainable(), lr)
	if err != nil {
		t.Fatal(err)
	}
	s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, Opt: opt, Seed: seed, Comm: world}
	defer s.Close()
	if _, err := s.Train(hs[world.Rank()], 0); err != nil {
		t.Fatal(err)
	}

	var refs [2]*graph.Model
	var grads [2][][]float32
	for h := range refs {
		refs[h] = halfModel(t, be)
		grads[h] = gradsOf(t, be, refs[h], hs[h], seed)
	}
	for i, p := range refs[0].Trainable() {
		mean := make([]float32, len(grads[0][i]))
		for j := range mean {
			mean[j] = grads[0][i][j]*0.5 + grads[1][i][j]*0.5
		}
		if err := be.Upload(p.Grad, mean); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := trainer.NewAdam(be, refs[0].Trainable(), lr)
	if err != nil {
		t.Fatal(err)
	}
	if err := ref.Step(); err != nil {
		t.Fatal(err)
	}
	sameBits(t, "weights after the step", values(t, m, true), values(t, refs[0], true))
	sameBits(t, "running statistics after the step", values(t, m, false), values(t, refs[world.Rank()], false))
	if err := s.SyncBuffers(); err != nil {
		t.Fatal(err)
	}
	sameBits(t, "running statistics after SyncBuffers", values(t, m, false), values(t, refs[0], false))
}
