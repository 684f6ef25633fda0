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

	"github.com/wgtrain/wgtrain/trainer"
)

// Resume with no resume checkpoint is ErrNoRun, and creates nothing.
func TestResumeOfNothingCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	cfg := toyConfig(t, dir, 1)
	cfg.Resume = true
	if _, err := trainer.Run(context.Background(), cfg); !errors.Is(err, trainer.ErrNoRun) {
		t.Fatalf("err = %v, want ErrNoRun", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s was created: %v", dir, err)
	}
	if _, err := trainer.RunDir(dir).Saved(); !errors.Is(err, trainer.ErrNoRun) {
		t.Errorf("Saved() = %v, want ErrNoRun", err)
	}
}

// A run that fails before its first checkpoint leaves its files; a new
// run there is refused and adds no event file beside them.
func TestRunRefusesAFailedRunsFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 1)
	cfg.Weights = []float32{float32(math.NaN()), 0.5}
	if _, err := trainer.Run(context.Background(), cfg); err == nil {
		t.Fatal("a NaN loss weight trained")
	}
	events, _ := filepath.Glob(filepath.Join(dir, "tensorboard", "*", "events.*"))
	if len(events) == 0 {
		t.Fatal("the failed run left no event files: nothing to check")
	}
	_, err := trainer.Run(context.Background(), toyConfig(t, dir, 1))
	if err == nil || !strings.Contains(err.Error(), "holds the files of an earlier run (hparams.json, checkpoints, tensorboard)") {
		t.Errorf("a run into the failed run's directory: %v", err)
	}
	if now, _ := filepath.Glob(filepath.Join(dir, "tensorboard", "*", "events.*")); len(now) != len(events) {
		t.Errorf("%d event files after the refused run, %d before", len(now), len(events))
	}
}

// The resume check lists every setting that differs, reads the strings
// of older runs as the numbers and booleans they spell, and refuses
// fewer epochs than were trained; Saved reports the position.
func TestResumeComparesSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 2)
	cfg.Hparams = map[string]any{"lr": "0.003", "milestones": []string{"2"}, "augment": "false",
		"seed": "18446744073709551615", "loss-weights": []string{"0.500000", "0.500000"}, "recipe": "exp01"}
	if _, err := trainer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	saved, err := trainer.RunDir(dir).Saved()
	if err != nil {
		t.Fatal(err)
	}
	if saved.Epochs != 2 || saved.Batches != 0 || saved.MinEpochs() != 2 || saved.Hparams["lr"] != "0.003" {
		t.Errorf("Saved() = %+v, MinEpochs %d", saved, saved.MinEpochs())
	}
	typed := func() map[string]any {
		return map[string]any{"lr": json.Number("3e-3"), "milestones": []int{2}, "augment": false,
			"seed": uint64(math.MaxUint64), "loss-weights": []float64{0.5, 0.5}, "recipe": "exp01"}
	}
	for _, c := range []struct {
		change func(h map[string]any)
		epochs int
		want   []string // in the error; none: it resumes
	}{
		{func(h map[string]any) { h["lr"], h["augment"] = 0.004, true },
			3, []string{`"lr" was "0.003" in the saved run and is 0.004 now`, `"augment" was "false"`}},
		{func(h map[string]any) { h["seed"], h["milestones"] = uint64(math.MaxUint64-1), []int{2, 3} }, 3, []string{`"seed"`, `"milestones"`}},
		{func(map[string]any) {}, 1, []string{"1 epochs asked for", "want at least 2"}},
		{func(map[string]any) {}, 3, nil}, // the old strings match; it trains a third epoch
		// A setting the saved run did not record (a later version's) is
		// not compared: its default is what the older run did.
		{func(h map[string]any) { h["image-size"] = 32 }, 3, nil},
	} {
		cfg := toyConfig(t, dir, c.epochs)
		cfg.Resume = true
		cfg.Hparams = typed()
		c.change(cfg.Hparams)
		_, err := trainer.Run(context.Background(), cfg)
		if len(c.want) == 0 && err != nil {
			t.Errorf("%v: %v", cfg.Hparams, err)
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v, %d epochs: %v; want %s", cfg.Hparams, c.epochs, err, w)
			}
		}
	}
}
