package trainer_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/trainer"
)

// runMetrics is the part of checkpoints/metrics.json these tests read.
type runMetrics struct {
	History []trainer.EpochRecord `json:"history"`
	StopAt  *trainer.TimeToTarget `json:"stop_at"`
}

func readRunMetrics(t *testing.T, dir string) runMetrics {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "checkpoints", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m runMetrics
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A target the first epoch reaches ends the run after it, with the usual
// end of run; resumed unchanged it stays finished, and a changed target
// trains on.
func TestRunStopAtFirstEpoch(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 3)
	cfg.StopAt = &trainer.StopAt{Key: "accuracy01", Value: 0}
	res, err := trainer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := readRunMetrics(t, dir)
	if len(m.History) != 1 || res.Epochs != 1 {
		t.Fatalf("%d epochs in the history, %d trained; want 1", len(m.History), res.Epochs)
	}
	for _, f := range []string{"predictions/valid.csv", "report.txt", "checkpoints/best.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("after --stop-at: %v", err)
		}
	}
	s := m.StopAt
	if s == nil || !s.Reached || s.Epoch != 1 || s.ElapsedS != m.History[0].ElapsedS || s.Key != "accuracy01" || s.Loader != "valid" {
		t.Fatalf("metrics.json stop_at = %+v, want reached at epoch 1 after %g s", s, m.History[0].ElapsedS)
	}
	if res.StopAt == nil || *res.StopAt != *s {
		t.Errorf("Result.StopAt = %+v, metrics.json's %+v", res.StopAt, s)
	}
	if !(res.TrainS > 0 && res.TotalS >= res.TrainS) {
		t.Errorf("Result times: train %g s, total %g s", res.TrainS, res.TotalS)
	}

	cfg = toyConfig(t, dir, 3)
	cfg.StopAt, cfg.Resume = &trainer.StopAt{Key: "accuracy01", Value: 0}, true
	if res, err = trainer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if n := len(readRunMetrics(t, dir).History); n != 1 || res.Epochs != 1 {
		t.Fatalf("resuming a run stopped at its target trained on: %d epochs", n)
	}

	cfg = toyConfig(t, dir, 3)
	cfg.StopAt, cfg.Resume = &trainer.StopAt{Key: "loss", Value: -1, Minimize: true}, true
	if res, err = trainer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	m = readRunMetrics(t, dir)
	if len(m.History) != 3 || m.StopAt == nil || m.StopAt.Reached || m.StopAt.Key != "loss" {
		t.Fatalf("resumed with a new target: %d epochs, stop_at %+v; want 3, not reached", len(m.History), m.StopAt)
	}
}

// A target never reached lets the run train every epoch and says so.
func TestRunStopAtNotReached(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 2)
	cfg.StopAt = &trainer.StopAt{Key: "accuracy01", Value: 1.5}
	res, err := trainer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := readRunMetrics(t, dir)
	if len(m.History) != 2 || res.Epochs != 2 {
		t.Fatalf("%d epochs, want 2", len(m.History))
	}
	if m.StopAt == nil || m.StopAt.Reached || m.StopAt.Epoch != 0 || res.StopAt == nil || res.StopAt.Reached {
		t.Errorf("stop_at = %+v, want not reached", m.StopAt)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.txt")); err != nil {
		t.Error(err)
	}
}

func TestRunRejectsBadStopAt(t *testing.T) {
	for _, s := range []trainer.StopAt{{Key: "acuracy01", Value: 1}, {Key: "loss", Value: math.NaN()}} {
		cfg := toyConfig(t, t.TempDir(), 1)
		cfg.StopAt = &s
		if _, err := trainer.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "stop-at") {
			t.Errorf("StopAt %+v: %v, want an error naming stop-at", s, err)
		}
	}
}

// Every epoch records the wall time from the run's start, increasing, and
// a resumed run counts the time of the interrupted session.
func TestRunElapsedSurvivesResume(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const pause = 40 * time.Millisecond
	cfg := toyConfig(t, dir, 3)
	cfg.AfterStep = func(epoch, steps int, _ trainer.StepResult) {
		time.Sleep(pause)
		if steps == 6 { // mid-epoch 2 of 4 batches each
			cancel()
		}
	}
	if _, err := trainer.Run(ctx, cfg); !errors.Is(err, trainer.ErrInterrupted) {
		t.Fatalf("%v, want ErrInterrupted", err)
	}
	first := readRunMetrics(t, dir).History
	if len(first) != 1 || first[0].ElapsedS < (4*pause).Seconds() {
		t.Fatalf("before the interruption: %+v, want 1 epoch of at least %v", first, 4*pause)
	}
	cfg = toyConfig(t, dir, 3)
	cfg.Resume = true
	res, err := trainer.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := readRunMetrics(t, dir).History
	if len(h) != 3 || h[0].ElapsedS != first[0].ElapsedS {
		t.Fatalf("after resuming: %d epochs, the first after %g s (was %g s)", len(h), h[0].ElapsedS, first[0].ElapsedS)
	}
	for i := 1; i < len(h); i++ {
		if !(h[i].ElapsedS > h[i-1].ElapsedS) {
			t.Errorf("elapsed_s of epoch %d (%g) not after epoch %d's (%g)", i+1, h[i].ElapsedS, i, h[i-1].ElapsedS)
		}
	}
	// The interrupted session trained two more paused steps of epoch 2.
	if h[1].ElapsedS < (6 * pause).Seconds() {
		t.Errorf("epoch 2 ended %g s in, but the interrupted session alone took over %v", h[1].ElapsedS, 6*pause)
	}
	if res.TrainS != h[2].ElapsedS || res.TotalS < res.TrainS {
		t.Errorf("Result times %g, %g; history's last %g", res.TrainS, res.TotalS, h[2].ElapsedS)
	}
}
