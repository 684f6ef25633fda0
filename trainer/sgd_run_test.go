package trainer_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// sgdConfig is toyConfig trained with SGD, Nesterov momentum and weight
// decay.
func sgdConfig(t *testing.T, dir string) trainer.Config {
	cfg := toyConfig(t, dir, 2)
	cfg.LR = 0.05
	cfg.Optimizer = trainer.OptimizerConfig{Name: "sgd", Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4}
	return cfg
}

// An interrupted SGD run continues with Resume to exactly the weights of
// an uninterrupted one: the momentum buffers are checkpointed and the
// resumed run does not treat its next step as the first.
func TestRunResumesSGDExactly(t *testing.T) {
	whole := t.TempDir()
	if _, err := trainer.Run(context.Background(), sgdConfig(t, whole)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := sgdConfig(t, dir)
	cfg.AfterStep = func(epoch, steps int, _ trainer.StepResult) {
		if steps == 6 { // mid-epoch 2
			cancel()
		}
	}
	if _, err := trainer.Run(ctx, cfg); !errors.Is(err, trainer.ErrInterrupted) {
		t.Fatalf("%v, want ErrInterrupted", err)
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, "checkpoints", "resume.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var bufs int
	for _, tn := range f.Tensors {
		name := tn.Name
		if strings.HasSuffix(name, "/momentum_buffer") {
			bufs++
		}
		if strings.HasSuffix(name, "/exp_avg") {
			t.Errorf("an SGD checkpoint holds Adam's %s", name)
		}
	}
	if want := len(cfg.Model.Trainable()); bufs != want {
		t.Errorf("%d momentum buffers in the checkpoint, want %d", bufs, want)
	}
	cfg = sgdConfig(t, dir)
	cfg.Resume = true
	if _, err := trainer.Run(context.Background(), cfg); err != nil {
		t.Fatalf("resume: %v", err)
	}
	sameFileTensors(t, filepath.Join(whole, "checkpoints", "last.safetensors"), filepath.Join(dir, "checkpoints", "last.safetensors"))
	// The SGD and Adam runs end with different weights.
	adam := t.TempDir()
	if _, err := trainer.Run(context.Background(), toyConfig(t, adam, 2)); err != nil {
		t.Fatal(err)
	}
	if sameWeights(t, filepath.Join(whole, "checkpoints", "last.safetensors"), filepath.Join(adam, "checkpoints", "last.safetensors")) {
		t.Error("SGD and Adam runs end with the same weights")
	}
}

// NewOptimizer refuses what torch.optim refuses, and what only SGD has.
func TestNewOptimizerRejects(t *testing.T) {
	b := ops.NewCPU()
	for _, c := range []struct {
		cfg  trainer.OptimizerConfig
		want string
	}{
		{trainer.OptimizerConfig{Name: "rmsprop"}, `"rmsprop"`},
		{trainer.OptimizerConfig{Name: "adam", Momentum: 0.9}, "only sgd"},
		{trainer.OptimizerConfig{Name: "adamw", Nesterov: true}, "only sgd"},
		{trainer.OptimizerConfig{Name: "sgd", Nesterov: true}, "nesterov"},
		{trainer.OptimizerConfig{Name: "sgd", Momentum: 1}, "momentum 1"},
		{trainer.OptimizerConfig{Name: "sgd", WeightDecay: -1}, "weight decay -1"},
	} {
		if _, err := trainer.NewOptimizer(b, nil, 0.1, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.cfg, err, c.want)
		}
	}
}
