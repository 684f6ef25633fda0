package trainer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// The pipelining of the training, evaluation and prediction loops on the
// WebGPU backend, proved by the backend's counts (gpu.SyncCounts), never
// by timing: between two consecutive results the loop made one step's
// submission (so at most two steps are in flight), every read-back it
// asked for was asked for while that next step was already queued, and
// every poll waited for the submission holding the read-back, not a later
// one; nothing drained the queue.

// syncSince returns the counts made between two snapshots.
func syncSince(a, b gpu.SyncCounts) gpu.SyncCounts {
	return gpu.SyncCounts{
		Submissions: b.Submissions - a.Submissions, Waits: b.Waits - a.Waits,
		ReadBacks: b.ReadBacks - a.ReadBacks, Ahead: b.Ahead - a.Ahead,
		Polls: b.Polls - a.Polls, Exact: b.Exact - a.Exact,
		Drains: b.Drains - a.Drains, CapWaits: b.CapWaits - a.CapWaits,
	}
}

// checkStepSync checks the counts d made between the results of two
// consecutive steps, the second of them the last (nothing started after
// it) when last: one step's submission, none when last; at least
// minReads read-backs, every one of them asked for with the next step
// queued, none when last; every poll for the read-back's own submission;
// no drain and no split by the per-submission cap. It names each count
// that is off.
func checkStepSync(t *testing.T, what string, d gpu.SyncCounts, minReads uint64, last bool) {
	t.Helper()
	var off string
	wantSub, wantAhead := uint64(1), d.ReadBacks
	if last {
		wantSub, wantAhead = 0, 0
	}
	if d.Submissions != wantSub {
		off += fmt.Sprintf("; Submissions = %d, want %d", d.Submissions, wantSub)
	}
	if d.CapWaits != 0 {
		off += fmt.Sprintf("; CapWaits = %d, want 0 (a step split by the per-submission cap: the counts cannot tell steps apart)", d.CapWaits)
	}
	if d.ReadBacks < minReads {
		off += fmt.Sprintf("; ReadBacks = %d, want at least %d", d.ReadBacks, minReads)
	}
	if d.Ahead != wantAhead {
		off += fmt.Sprintf("; Ahead (read-backs asked for with the next step queued) = %d, want %d", d.Ahead, wantAhead)
	}
	if d.Exact != d.Polls || d.Polls < d.ReadBacks {
		off += fmt.Sprintf("; Exact (polls for the read-back's own submission) = %d of Polls = %d, want all, and at least one per read-back (%d)", d.Exact, d.Polls, d.ReadBacks)
	}
	if d.Drains != 0 {
		off += fmt.Sprintf("; Drains = %d, want 0", d.Drains)
	}
	if off != "" {
		t.Errorf("%s: %s (all: %+v)", what, off[2:], d)
	}
}

// uncapped returns a WebGPU backend of its own without the per-submission
// cap of software adapters (Options.SubmitFLOPs), so that each step is
// one submission whatever its estimated work: on lavapipe the cap (2e8
// estimated FLOPs) splits a step of the tiny models here at batch 8, and
// a step split in two has a later submission of its own queued when its
// results are read, which the counts could not tell from the next step's.
// These steps run for milliseconds, far from the driver's trouble that
// the cap avoids.
func uncapped(t *testing.T) *gpu.Backend {
	t.Helper()
	gputest.Backend(t) // skip, or fail under CI, without an adapter
	g, err := gpu.New(gpu.Options{SubmitFLOPs: 1e15})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	return g
}

// gpuModel returns a tiny resnet9 for 1x32x32 images of 4 classes on g.
func gpuModel(t *testing.T, g ops.Backend) *graph.Model {
	t.Helper()
	m, err := graph.NewResNet9(g, 1, 4, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(g, rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	return m
}

func toyLoader(t *testing.T, s *datasets.Split, batch int) *datasets.Loader {
	t.Helper()
	tf := datasets.Transform{Mean: []float32{0.3}, Std: []float32{0.3}, PadTo: 32}
	l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: batch, Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The runner's training loop submits step N+1 before it waits for step
// N's results, and that wait waits for step N's submission only.
func TestWebGPUTrainingLoopIsPipelined(t *testing.T) {
	g := uncapped(t)
	valid := toyLoader(t, toySplit("valid", 16, 2), 16)
	var snaps []gpu.SyncCounts
	cfg := trainer.Config{
		Model: gpuModel(t, g), Criteria: []graph.Criterion{graph.CrossEntropy{}},
		LR: 1e-3, Epochs: 1, Train: toyLoader(t, toySplit("train", 40, 1), 8),
		Eval: []trainer.Named{{Name: "valid", Loader: valid}}, Valid: "valid", ValidMetric: "loss", Minimize: true,
		LogDir: t.TempDir(), Seed: 7,
		AfterStep: func(_, _ int, _ trainer.StepResult) { snaps = append(snaps, g.SyncCounts()) },
	}
	if _, err := trainer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 5 {
		t.Fatalf("%d steps reported, want 5", len(snaps))
	}
	// Between the results of steps k-1 and k: step k+1's submission, then
	// the wait for step k's loss, classes and whatever else the runner
	// reads (at least two read-backs).
	for k := 1; k < len(snaps); k++ {
		d := syncSince(snaps[k-1], snaps[k])
		checkStepSync(t, fmt.Sprintf("between the results of steps %d and %d", k-1, k), d, 2, k == len(snaps)-1)
	}
}

// Evaluate (and Predict, which runs it, as `wgtrain predict` does) starts
// batch N+1's step before it waits for batch N's results.
func TestWebGPUEvaluateIsPipelined(t *testing.T) {
	g := uncapped(t)
	s := &trainer.Stepper{Model: gpuModel(t, g), Criteria: []graph.Criterion{graph.CrossEntropy{}}, KeepLogits: true}
	t.Cleanup(s.Close)
	var snaps []gpu.SyncCounts
	p, err := trainer.Predict(context.Background(), s, toyLoader(t, toySplit("test", 20, 3), 4), func(trainer.EvalBatch) error {
		snaps = append(snaps, g.SyncCounts())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 5 || len(p.Target) != 20 {
		t.Fatalf("%d batches and %d rows, want 5 and 20", len(snaps), len(p.Target))
	}
	// Loss, classes and logits come back for each batch.
	for k := 1; k < len(snaps); k++ {
		d := syncSince(snaps[k-1], snaps[k])
		checkStepSync(t, fmt.Sprintf("between the results of batches %d and %d", k-1, k), d, 3, k == len(snaps)-1)
	}
}
