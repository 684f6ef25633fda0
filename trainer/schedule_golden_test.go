package trainer_test

import (
	"encoding/json"
	"testing"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/trainer"
)

// TestMultiStepLRMatchesPyTorchFixture compares with the learning rates
// that scripts/gen_golden.py recorded from torch.optim.lr_scheduler.MultiStepLR.
func TestMultiStepLRMatchesPyTorchFixture(t *testing.T) {
	f, err := safetensors.ReadFile("../conformance/testdata/golden_ops.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"multistep_a", "multistep_b"} {
		var c struct {
			Base       float64
			Milestones []int
			Gamma      float64
			LR         []float64
		}
		if err := json.Unmarshal([]byte(f.Metadata[name]), &c); err != nil || len(c.LR) == 0 {
			t.Fatalf("%s: %v (%q)", name, err, f.Metadata[name])
		}
		s, err := trainer.NewMultiStepLR(c.Base, c.Milestones, c.Gamma)
		if err != nil {
			t.Fatal(err)
		}
		for e, want := range c.LR {
			if got := s.LR(e); got != want {
				t.Errorf("%s: epoch %d: lr %v, PyTorch %v", name, e, got, want)
			}
		}
	}
}
