package trainer_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/graph"
)

// TestStepAllocations checks that a steady-state step on the CPU backend
// allocates only the results it hands back (the pending step, the futures
// and the host copies of the loss and the predictions), whatever the depth
// of the model: forward, backward and Adam allocate nothing.
func TestStepAllocations(t *testing.T) {
	b, m, batch := setup(t, 4)
	s := newStepper(t, b, m, graph.CrossEntropy{}, graph.SigmoidFocal{})
	s.Weights = []float32{0.5, 0.5}
	defer s.Close()
	step := 0
	train := func() {
		if _, err := s.Train(batch, step); err != nil {
			t.Fatal(err)
		}
		step++
	}
	eval := func() {
		if _, err := s.Eval(batch); err != nil {
			t.Fatal(err)
		}
	}
	train()
	eval()
	// The pending step, the futures slice, three futures with their host
	// copies (total, two parts), the prediction future and its copy, and
	// the parts map with its bucket.
	const results = 12
	if n := testing.AllocsPerRun(5, train); n > results {
		t.Errorf("a training step makes %v allocations, want at most %d (its results)", n, results)
	}
	if n := testing.AllocsPerRun(5, eval); n > results {
		t.Errorf("an evaluation step makes %v allocations, want at most %d (its results)", n, results)
	}
}
