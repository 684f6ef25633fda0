package trainer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/tfevents"
	"github.com/wgtrain/wgtrain/trainer"
)

// TestRunFollowsTheOneCycleSchedule runs two epochs of four batches with
// Schedule onecycle and checks that TensorBoard's lr/batch holds every
// step's rate of OneCycleLR over the run's 8 steps, that metrics.json's
// epoch LR is the epoch's last step's, and that --resume with other
// Epochs is refused (the schedule spans the run).
func TestRunFollowsTheOneCycleSchedule(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig(t, dir, 2)
	cfg.Schedule = trainer.DefaultOneCycle("onecycle")
	if _, err := trainer.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	want, err := trainer.NewOneCycleLR(trainer.OneCycleLR{MaxLR: cfg.LR, TotalSteps: 8, PctStart: 0.3, Anneal: "cos",
		DivFactor: 25, FinalDivFactor: 1e4, CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tensorboard", "train", "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("tensorboard/train: %d event files", len(files))
	}
	data, _ := os.ReadFile(files[0])
	recs, err := tfevents.ReadRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	var lrs []float32
	for _, rec := range recs {
		ev, err := tfevents.DecodeEvent(rec)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range ev.Values {
			if v.Tag == "lr/batch" {
				lrs = append(lrs, v.Scalar)
			}
		}
	}
	if len(lrs) != 8 {
		t.Fatalf("%d lr/batch scalars, want 8", len(lrs))
	}
	for i, got := range lrs {
		if w := float32(want.At(i/4, i).LR); got != w {
			t.Errorf("lr/batch step %d: %v, want %v", i, got, w)
		}
	}
	var mj struct {
		History []trainer.EpochRecord `json:"history"`
	}
	data, _ = os.ReadFile(filepath.Join(dir, "checkpoints", "metrics.json"))
	if err := json.Unmarshal(data, &mj); err != nil || len(mj.History) != 2 {
		t.Fatalf("metrics.json: %v, %d epochs", err, len(mj.History))
	}
	for e, rec := range mj.History {
		if w := want.At(e, 4*e+3).LR; rec.LR != w {
			t.Errorf("metrics.json epoch %d: lr %v, want %v (its last step's)", e+1, rec.LR, w)
		}
	}
	again := toyConfig(t, dir, 3)
	again.Schedule, again.Resume = cfg.Schedule, true
	if _, err := trainer.Run(context.Background(), again); err == nil || !strings.Contains(err.Error(), "3 epochs would change it") {
		t.Errorf("resuming with 3 epochs: %v, want a refusal", err)
	}
}

// TestRunRefusesAnUnknownSchedule checks Config.Schedule.Name.
func TestRunRefusesAnUnknownSchedule(t *testing.T) {
	cfg := toyConfig(t, t.TempDir(), 1)
	cfg.Schedule.Name = "cosine"
	if _, err := trainer.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `"cosine"`) {
		t.Errorf("schedule cosine: %v, want an error naming it", err)
	}
}
