package trainer_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
	"github.com/wgtrain/wgtrain/trainer"
)

// emaConfig is toyConfig with an average updated every third step (the
// toy run has 4 steps an epoch, 8 in all).
func emaConfig(t *testing.T, dir string) trainer.Config {
	cfg := toyConfig(t, dir, 2)
	cfg.EMA, cfg.EMAEvery = 0.5, 3
	cfg.Hparams = map[string]any{"lr": 3e-3, "ema": 0.5, "ema-every": 3}
	return cfg
}

// TestRunEMA checks that the average leaves training alone (the live
// weights of last.safetensors are those of a run without it), that
// last_ema.safetensors differs from them, and that a run interrupted
// anywhere and resumed ends with bit-identical live and averaged weights.
func TestRunEMA(t *testing.T) {
	plain, whole := t.TempDir(), t.TempDir()
	if _, err := trainer.Run(context.Background(), toyConfig(t, plain, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.Run(context.Background(), emaConfig(t, whole)); err != nil {
		t.Fatal(err)
	}
	ck := func(dir, name string) string { return filepath.Join(dir, "checkpoints", name) }
	sameFileTensors(t, ck(plain, "last.safetensors"), ck(whole, "last.safetensors"))
	if sameWeights(t, ck(whole, "last.safetensors"), ck(whole, "last_ema.safetensors")) {
		t.Error("last_ema.safetensors holds the live weights")
	}
	for _, stopAt := range []int{2, 4, 7} { // before the first update, after it, after the second
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cfg := emaConfig(t, dir)
		cfg.AfterStep = func(_, steps int, _ trainer.StepResult) {
			if steps == stopAt {
				cancel()
			}
		}
		if _, err := trainer.Run(ctx, cfg); !errors.Is(err, trainer.ErrInterrupted) {
			t.Fatalf("stop at %d: %v, want ErrInterrupted", stopAt, err)
		}
		cancel()
		cfg = emaConfig(t, dir)
		cfg.Resume = true
		if _, err := trainer.Run(context.Background(), cfg); err != nil {
			t.Fatalf("resume after %d steps: %v", stopAt, err)
		}
		for _, name := range []string{"last.safetensors", "last_ema.safetensors", "best.safetensors"} {
			sameFileTensors(t, ck(whole, name), ck(dir, name))
		}
	}
	// A run without --ema cannot be resumed with it.
	cfg := emaConfig(t, plain)
	cfg.Resume, cfg.Epochs, cfg.Hparams = true, 3, map[string]any{"lr": 3e-3}
	if _, err := trainer.Run(context.Background(), cfg); err == nil {
		t.Error("a run saved without EMA resumed with it")
	}
}

// sameWeights reports whether two state_dict files hold the same tensors.
func sameWeights(t *testing.T, a, b string) bool {
	t.Helper()
	return testfiles.SameTensors(t, a, b) == ""
}

// TestRunRejectsBadEMA checks the decay's and the period's range.
func TestRunRejectsBadEMA(t *testing.T) {
	for _, c := range [][2]float64{{1, 1}, {-0.5, 1}, {0.9, -1}} {
		cfg := toyConfig(t, t.TempDir(), 1)
		cfg.EMA, cfg.EMAEvery = c[0], int(c[1])
		if _, err := trainer.Run(context.Background(), cfg); err == nil {
			t.Errorf("EMA %g every %d accepted", c[0], int(c[1]))
		}
	}
}
