package trainer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// Agreement of whole training steps between backends: the same resnet9
// (width 8, dropout 0.2), the same PyTorch-style init, the same batches
// and 0.5*CE + 0.5*focal, five pipelined Adam steps at lr 1e-3 on each.
//
// The biases of the convolutions that feed a batch norm are left out of
// the optimizer: their true gradient is exactly zero (batch norm
// subtracts the mean), so each backend's gradient there is rounding noise
// and Adam, which divides a gradient by its own size, turns the noise
// into steps of ±lr of arbitrary sign; compared, they would measure only
// the noise's sign. Every other parameter has a real gradient.
//
// Tolerance, by the conformance suite's rule (conformance.Tolerance):
// each step's loss and its parts within 5e-6*|x+y|, that is 1e-5 of the
// loss; every weight, running statistic and evaluation logit within
// max(1e-4*|x+y|, 1e-5), the suite's golden tolerance. Measured on lavapipe: the largest state
// difference is about 0.03 of it, as the test logs (the CPU sums in
// float64, the GPU in float32 trees).
var (
	stepLossTol = conformance.Tolerance{RTol: 5e-6}
	stateTol    = conformance.Tolerance{RTol: 1e-4, ATol: 1e-5}
)

func TestWebGPUAgreesWithCPU(t *testing.T) {
	g := gputest.Backend(t)
	c := ops.NewCPU()
	batches := make([]trainer.Batch, 5)
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range batches {
		shape := ops.Shape{3, 3, 32, 32}
		xs := make([]float32, shape.Numel())
		for j := range xs {
			xs[j] = float32(rng.NormFloat64())
		}
		batches[i] = trainer.Batch{Images: xs, Shape: shape, Labels: []int32{int32(i % 5), 4, 2}}
	}
	run := func(b ops.Backend) (*graph.Model, []trainer.StepResult, trainer.StepResult) {
		m, err := graph.NewResNet9(b, 3, 5, 8, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.InitPyTorch(b, rand.New(rand.NewPCG(3, 4))); err != nil {
			t.Fatal(err)
		}
		var params []*graph.Param
		for _, p := range m.Trainable() {
			if !strings.HasSuffix(p.Name, ".0.bias") {
				params = append(params, p)
			}
		}
		opt, err := trainer.NewAdam(b, params, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		s := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}, graph.SigmoidFocal{Spec: ops.DefaultFocal}}, Opt: opt, Seed: 1}
		s.Weights = []float32{0.5, 0.5}
		s.KeepLogits = true
		var pending []*trainer.PendingStep
		for i, bt := range batches {
			p, err := s.Start(bt, i)
			if err != nil {
				t.Fatal(err)
			}
			pending = append(pending, p)
		}
		var res []trainer.StepResult
		for _, p := range pending {
			r, err := p.Wait()
			if err != nil {
				t.Fatal(err)
			}
			res = append(res, r)
		}
		ev, err := s.Eval(batches[0])
		if err != nil {
			t.Fatal(err)
		}
		return m, res, ev
	}
	mc, rc, ec := run(c)
	mg, rg, eg := run(g)
	for i := range rc {
		if !stepLossTol.Within(rg[i].Loss, rc[i].Loss) {
			t.Errorf("step %d: loss cpu %.7g webgpu %.7g", i, rc[i].Loss, rg[i].Loss)
		}
		for k, v := range rc[i].Parts {
			if !stepLossTol.Within(rg[i].Parts[k], v) {
				t.Errorf("step %d: %s cpu %.7g webgpu %.7g", i, k, v, rg[i].Parts[k])
			}
		}
	}
	worst := 0.0
	compare := func(name string, x, y []float32) {
		if len(x) != len(y) {
			t.Errorf("%s: cpu %d values, webgpu %d", name, len(x), len(y))
			return
		}
		if j, ok := conformance.Close(y, x, stateTol); !ok {
			t.Errorf("%s[%d]: cpu %g webgpu %g", name, j, x[j], y[j])
		}
		for j := range x {
			d := math.Abs(float64(x[j]) - float64(y[j]))
			worst = max(worst, d/max(stateTol.RTol*math.Abs(float64(x[j])+float64(y[j])), stateTol.ATol))
		}
	}
	sc, sg := mc.State(), mg.State()
	for i := range sc {
		if sc[i].Count != nil {
			if *sc[i].Count != *sg[i].Count {
				t.Errorf("%s: cpu %d webgpu %d", sc[i].Name, *sc[i].Count, *sg[i].Count)
			}
			continue
		}
		x, err := c.Download(sc[i].Tensor)
		if err != nil {
			t.Fatal(err)
		}
		y, err := g.Download(sg[i].Tensor)
		if err != nil {
			t.Fatal(err)
		}
		compare(sc[i].Name, x, y)
	}
	compare("eval logits", ec.Logits, eg.Logits)
	for j := range ec.Pred {
		if ec.Pred[j] != eg.Pred[j] {
			t.Errorf("eval pred[%d]: cpu %d webgpu %d (logits %v / %v)", j, ec.Pred[j], eg.Pred[j], ec.Logits, eg.Logits)
		}
	}
	t.Logf("largest state difference: %.3g of the tolerance", worst)
}

func TestWebGPUStepperLearnsAndGuards(t *testing.T) {
	g := gputest.Backend(t)
	m, batch := setupOn(t, g, 4)
	s := newStepper(t, g, m, graph.CrossEntropy{})
	first, err := s.Train(batch, 0)
	if err != nil {
		t.Fatal(err)
	}
	var last trainer.StepResult
	for step := 1; step < 15; step++ {
		if last, err = s.Train(batch, step); err != nil {
			t.Fatal(err)
		}
	}
	if !(last.Loss < first.Loss/2) {
		t.Errorf("loss went from %g to %g in 15 steps on one batch; want it at least halved", first.Loss, last.Loss)
	}
	m2, batch2 := setupOn(t, g, 2)
	testNonFinite(t, g, m2, batch2)
}

// A training step is one submission, starting it never waits for the
// GPU, and waiting for the previous step's results, with this one queued,
// polls for the previous step's submission only. Counted
// (gpu.SyncCounts), never timed. The backend has no per-submission cap:
// on lavapipe this step is estimated at 1.93e8 FLOPs, 96% of the 2e8 cap,
// so anything that grew it by 4% split it, and the split's drain was one
// more blocking wait.
func TestWebGPUStepIsOneSubmission(t *testing.T) {
	g := uncapped(t)
	m, batch := setupOn(t, g, 4)
	s := newStepper(t, g, m, graph.CrossEntropy{}, graph.SigmoidFocal{Spec: ops.DefaultFocal})
	s.Weights = []float32{0.5, 0.5}
	s.KeepLogits = true
	if _, err := s.Train(batch, 0); err != nil { // compiles the pipelines
		t.Fatal(err)
	}
	prev, err := s.Start(batch, 1)
	if err != nil {
		t.Fatal(err)
	}
	for step := 2; step < 6; step++ {
		c0 := g.SyncCounts()
		next, err := s.Start(batch, step)
		if err != nil {
			t.Fatal(err)
		}
		c1 := g.SyncCounts()
		if d := syncSince(c0, c1); d.Submissions != 1 || d.Waits != 0 || d.ReadBacks != 0 {
			t.Errorf("starting step %d: Submissions = %d, want 1; Waits = %d, ReadBacks = %d, want 0 (all: %+v)", step, d.Submissions, d.Waits, d.ReadBacks, d)
		}
		if _, err := prev.Wait(); err != nil {
			t.Fatal(err)
		}
		// Five read-backs: the loss, its two parts, the classes, the logits.
		checkStepSync(t, fmt.Sprintf("waiting for step %d with step %d queued", step-1, step), syncSince(c0, g.SyncCounts()), 5, false)
		prev = next
	}
	c0 := g.SyncCounts()
	if _, err := prev.Wait(); err != nil {
		t.Fatal(err)
	}
	checkStepSync(t, "waiting for the last step", syncSince(c0, g.SyncCounts()), 5, true)
}
