package trainer_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

func setup(t *testing.T, width int) (*ops.CPU, *graph.Model, trainer.Batch) {
	t.Helper()
	b := ops.NewCPU()
	m, batch := setupOn(t, b, width)
	return b, m, batch
}

// setupOn builds a resnet9 of the given width for 1-channel images and 4
// classes on b, with PyTorch's init, and a batch of 4 random images.
func setupOn(t *testing.T, b ops.Backend, width int) (*graph.Model, trainer.Batch) {
	t.Helper()
	m, err := graph.NewResNet9(b, 1, 4, width, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(5, 6))); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	shape := ops.Shape{4, 1, 32, 32}
	xs := make([]float32, shape.Numel())
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	return m, trainer.Batch{Images: xs, Shape: shape, Labels: []int32{0, 1, 2, 3}}
}

func newStepper(t *testing.T, b ops.Backend, m *graph.Model, crits ...graph.Criterion) *trainer.Stepper {
	t.Helper()
	opt, err := trainer.NewAdam(b, m.Trainable(), 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	return &trainer.Stepper{Model: m, Criteria: crits, Opt: opt, Seed: 1}
}

func TestStepperLearnsABatch(t *testing.T) {
	b, m, batch := setup(t, 4)
	s := newStepper(t, b, m, graph.CrossEntropy{}, graph.SigmoidFocal{Spec: ops.DefaultFocal})
	s.Weights = []float32{0.5, 0.5}
	var first, last trainer.StepResult
	for step := 0; step < 15; step++ {
		r, err := s.Train(batch, step)
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = r
		}
		last = r
	}
	if !(last.Loss < first.Loss/2) {
		t.Errorf("loss went from %g to %g in 15 steps on one batch; want it at least halved", first.Loss, last.Loss)
	}
	want := 0.5*last.Parts["loss_ce"] + 0.5*last.Parts["loss_focal"]
	if math.Abs(last.Loss-want) > 1e-6*math.Abs(want) {
		t.Errorf("loss %g is not 0.5*loss_ce + 0.5*loss_focal = %g (parts %v)", last.Loss, want, last.Parts)
	}
	if s.Opt.Steps() != 15 {
		t.Errorf("optimizer took %d steps, want 15", s.Opt.Steps())
	}
}

func TestStepperRejectsNonFiniteLoss(t *testing.T) {
	b, m, batch := setup(t, 2)
	testNonFinite(t, b, m, batch)
}

// testNonFinite pipelines three steps, the second of which has an
// infinite pixel: its Wait reports the step, and neither it nor the step
// started after it changes any weight.
func testNonFinite(t *testing.T, b ops.Backend, m *graph.Model, batch trainer.Batch) {
	t.Helper()
	s := newStepper(t, b, m, graph.CrossEntropy{})
	if _, err := s.Train(batch, 40); err != nil {
		t.Fatal(err)
	}
	before, _ := b.Download(m.Trainable()[0].Value)
	bad := batch
	bad.Images = append([]float32(nil), batch.Images...)
	bad.Images[5] = float32(math.Inf(1))
	p41, err := s.Start(bad, 41)
	if err != nil {
		t.Fatal(err)
	}
	p42, err := s.Start(batch, 42)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p41.Wait()
	if err == nil || !strings.Contains(err.Error(), "step 41") || !strings.Contains(err.Error(), "not finite") {
		t.Fatalf("err = %v, want a non-finite loss error naming step 41", err)
	}
	if _, err := p42.Wait(); err != nil {
		t.Fatalf("step 42 (finite loss, started before step 41 was read): %v", err)
	}
	after, _ := b.Download(m.Trainable()[0].Value)
	for i := range before {
		if before[i] != after[i] {
			t.Fatal("weights changed although the loss of step 41 was not finite")
		}
	}
	if err := s.ResetGuard(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Train(batch, 43); err != nil {
		t.Fatal(err)
	}
	after, _ = b.Download(m.Trainable()[0].Value)
	if before[0] == after[0] {
		t.Fatal("weights did not change after ResetGuard")
	}
}

func TestStepperRejectsBadLabels(t *testing.T) {
	b, m, batch := setup(t, 2)
	batch.Labels = []int32{0, 1, 7, 3}
	s := newStepper(t, b, m, graph.CrossEntropy{})
	if _, err := s.Train(batch, 0); err == nil || !strings.Contains(err.Error(), "label 7 of row 2") {
		t.Fatalf("err = %v, want the bad label named", err)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	b, m, batch := setup(t, 2)
	s := newStepper(t, b, m, graph.CrossEntropy{})
	for step := 0; step < 2; step++ {
		if _, err := s.Train(batch, step); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := trainer.SaveState(path, m, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	m2, _ := graph.NewResNet9(b, 1, 4, 2, 0.2)
	if err := trainer.LoadState(path, m2); err != nil {
		t.Fatal(err)
	}
	s1, s2 := m.State(), m2.State()
	for i := range s1 {
		if s1[i].Count != nil {
			if *s1[i].Count != 2 || *s2[i].Count != 2 {
				t.Errorf("%s = %d / %d, want 2", s1[i].Name, *s1[i].Count, *s2[i].Count)
			}
			continue
		}
		a, _ := b.Download(s1[i].Tensor)
		c, _ := b.Download(s2[i].Tensor)
		for j := range a {
			if a[j] != c[j] {
				t.Fatalf("%s[%d] = %g after reload, want %g", s1[i].Name, j, c[j], a[j])
			}
		}
	}
}

// TestLoadStateRejectsHostileFiles covers a checkpoint that parses but does
// not fit the model; the format itself is fuzzed in internal/safetensors.
func TestLoadStateRejectsHostileFiles(t *testing.T) {
	b, m, _ := setup(t, 2)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := trainer.SaveState(good, m, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(name string, change func([]safetensors.Tensor) []safetensors.Tensor) string {
		ts := change(append([]safetensors.Tensor(nil), f.Tensors...))
		p := filepath.Join(dir, name+".safetensors")
		if err := safetensors.WriteFile(p, ts, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	find := func(ts []safetensors.Tensor, name string) int {
		for i := range ts {
			if ts[i].Name == name {
				return i
			}
		}
		t.Fatalf("no %s", name)
		return -1
	}
	cases := []struct {
		name, want string
		change     func([]safetensors.Tensor) []safetensors.Tensor
	}{
		{"missing", "missing entry 6.3.bias", func(ts []safetensors.Tensor) []safetensors.Tensor {
			i := find(ts, "6.3.bias")
			return append(ts[:i], ts[i+1:]...)
		}},
		{"extra", "unexpected entries the model does not have: 7.weight", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.F32("7.weight", []int{1}, []float32{1}))
		}},
		{"shape", "6.3.weight is F32[4 8], the model expects F32[4 16]", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[find(ts, "6.3.weight")] = safetensors.F32("6.3.weight", []int{4, 8}, make([]float32, 32))
			return ts
		}},
		{"dtype", "0.1.num_batches_tracked must be an I64 scalar", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[find(ts, "0.1.num_batches_tracked")] = safetensors.F32("0.1.num_batches_tracked", []int{}, []float32{0})
			return ts
		}},
		{"nan", "6.3.bias has a non-finite value (NaN) at index 2", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[find(ts, "6.3.bias")] = safetensors.F32("6.3.bias", []int{4}, []float32{0, 0, float32(math.NaN()), 0})
			return ts
		}},
	}
	before, _ := b.Download(m.Trainable()[0].Value)
	for _, c := range cases {
		p := edit(c.name, c.change)
		err := trainer.LoadState(p, m)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want it to name the file and say %q", c.name, err, c.want)
		}
	}
	after, _ := b.Download(m.Trainable()[0].Value)
	for i := range before {
		if before[i] != after[i] {
			t.Fatal("a rejected checkpoint changed the model")
		}
	}
	trunc := filepath.Join(dir, "trunc.safetensors")
	data, _ := os.ReadFile(good)
	os.WriteFile(trunc, data[:len(data)/2], 0o644)
	if err := trainer.LoadState(trunc, m); err == nil || !strings.Contains(err.Error(), trunc) {
		t.Errorf("truncated file: err = %v", err)
	}
}
