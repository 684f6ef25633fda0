package trainer_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// ttaSetup returns a CPU resnet9 of width 4 for 1-channel images and 4
// classes, a stepper that keeps logits, and a loader of 11 random 28×28
// images padded to 32×32 in batches of 4 (the last one holds 3).
func ttaSetup(t *testing.T) (*trainer.Stepper, *datasets.Loader) {
	t.Helper()
	b := ops.NewCPU()
	m, err := graph.NewResNet9(b, 1, 4, 4, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPyTorch(b, rand.New(rand.NewPCG(3, 4))); err != nil {
		t.Fatal(err)
	}
	const n = 11
	rng := rand.New(rand.NewPCG(9, 10))
	s := &datasets.Split{C: 1, H: 28, W: 28, Images: make([]uint8, n*784), Labels: make([]int32, n)}
	for i := range s.Images {
		s.Images[i] = uint8(rng.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = int32(i % 4)
	}
	tf := datasets.Transform{Mean: []float32{0.3}, Std: []float32{0.4}, PadTo: 32}
	l, err := datasets.NewLoader(s, datasets.LoaderOptions{BatchSize: 4, Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	st := &trainer.Stepper{Model: m, Criteria: []graph.Criterion{graph.CrossEntropy{}}, KeepLogits: true}
	t.Cleanup(st.Close)
	return st, l
}

// loaderBatches returns copies of the loader's evaluation batches.
func loaderBatches(t *testing.T, l *datasets.Loader) []trainer.Batch {
	t.Helper()
	it := l.Epoch(0, 0)
	defer it.Close()
	var out []trainer.Batch
	for {
		b, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, trainer.Batch{Images: append([]float32(nil), b.Images...),
			Shape: ops.Shape(b.Shape[:]), Labels: append([]int32(nil), b.Labels...)})
	}
}

// mirrored is b with x → W-1-x in every image and channel.
func mirrored(b trainer.Batch) trainer.Batch {
	n, c, h, w := b.Shape[0], b.Shape[1], b.Shape[2], b.Shape[3]
	out := make([]float32, len(b.Images))
	for i := range n * c {
		for y := range h {
			for x := range w {
				out[(i*h+y)*w+x] = b.Images[(i*h+y)*w+(w-1-x)]
			}
		}
	}
	return trainer.Batch{Images: out, Shape: b.Shape, Labels: b.Labels}
}

func evalAll(t *testing.T, st *trainer.Stepper, l *datasets.Loader) []trainer.EvalBatch {
	t.Helper()
	var got []trainer.EvalBatch
	if err := trainer.Evaluate(context.Background(), st, l, func(b trainer.EvalBatch) error {
		got = append(got, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestEvaluateFlipIsTheMeanOfTwoPasses checks that with TTA flip every
// batch's logits are the mean of two explicit forward passes of the same
// model, on the batch and on its mirror image, with a short last batch;
// its classes are their arg-max and its loss the mean of the two losses.
func TestEvaluateFlipIsTheMeanOfTwoPasses(t *testing.T) {
	st, l := ttaSetup(t)
	batches := loaderBatches(t, l)
	if len(batches) != 3 || batches[2].Shape[0] != 3 {
		t.Fatalf("want batches of 4, 4 and 3 images, got %d batches", len(batches))
	}
	st.TTA = trainer.TTAFlip
	got := evalAll(t, st, l)
	if len(got) != len(batches) {
		t.Fatalf("Evaluate gave %d batches, want %d", len(got), len(batches))
	}
	differs := false
	for i, b := range batches {
		a, err := st.Eval(b)
		if err != nil {
			t.Fatal(err)
		}
		m, err := st.Eval(mirrored(b))
		if err != nil {
			t.Fatal(err)
		}
		g := got[i].Result
		if len(g.Logits) != len(a.Logits) || len(g.Pred) != b.Shape[0] {
			t.Fatalf("batch %d: %d logits and %d classes, want %d and %d", i, len(g.Logits), len(g.Pred), len(a.Logits), b.Shape[0])
		}
		k := len(a.Logits) / b.Shape[0]
		for j := range a.Logits {
			want := (float64(a.Logits[j]) + float64(m.Logits[j])) / 2
			if d := math.Abs(float64(g.Logits[j]) - want); d > 1e-6*math.Abs(want) {
				t.Errorf("batch %d logit %d: %g, want the mean %g of %g and %g", i, j, g.Logits[j], want, a.Logits[j], m.Logits[j])
			}
			if math.Abs(float64(a.Logits[j])-float64(m.Logits[j])) > 1e-4*math.Abs(float64(a.Logits[j])) {
				differs = true
			}
		}
		for r := range b.Shape[0] {
			row := g.Logits[r*k : (r+1)*k]
			best := 0
			for j := range row {
				if row[j] > row[best] {
					best = j
				}
			}
			if g.Pred[r] != int32(best) {
				t.Errorf("batch %d row %d: class %d, want the arg-max %d of the mean logits", i, r, g.Pred[r], best)
			}
		}
		if want := (a.Loss + m.Loss) / 2; math.Abs(g.Loss-want) > 1e-12*math.Abs(want) {
			t.Errorf("batch %d: loss %g, want the mean %g of the two passes' losses", i, g.Loss, want)
		}
		for r, lab := range b.Labels {
			if got[i].Labels[r] != lab || got[i].Index[r] != 4*i+r {
				t.Errorf("batch %d row %d: label %d index %d, want %d and %d", i, r, got[i].Labels[r], got[i].Index[r], lab, 4*i+r)
			}
		}
	}
	if !differs {
		t.Fatal("the mirror images' logits equal the images' own: the test cannot tell flip from none")
	}

	p, err := trainer.Predict(context.Background(), st, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []float32
	for _, b := range got {
		all = append(all, b.Result.Logits...)
	}
	if len(p.Logits) != len(all) {
		t.Fatalf("Predict gave %d logits, want %d", len(p.Logits), len(all))
	}
	for j := range all {
		if p.Logits[j] != all[j] {
			t.Fatalf("Predict's logit %d is %g, Evaluate's %g", j, p.Logits[j], all[j])
		}
	}
}

// TestEvaluateWithoutTTAIsOnePass checks that TTA "" and none give every
// batch's single evaluation step bit for bit.
func TestEvaluateWithoutTTAIsOnePass(t *testing.T) {
	for _, tta := range []trainer.TTA{"", trainer.TTANone} {
		st, l := ttaSetup(t)
		st.TTA = tta
		got := evalAll(t, st, l)
		batches := loaderBatches(t, l)
		if len(got) != len(batches) {
			t.Fatalf("TTA %q: %d batches, want %d", tta, len(got), len(batches))
		}
		for i, b := range batches {
			want, err := st.Eval(b)
			if err != nil {
				t.Fatal(err)
			}
			g := got[i].Result
			if g.Loss != want.Loss || len(g.Logits) != len(want.Logits) {
				t.Fatalf("TTA %q batch %d: loss %v and %d logits, want %v and %d", tta, i, g.Loss, len(g.Logits), want.Loss, len(want.Logits))
			}
			for j := range want.Logits {
				if math.Float32bits(g.Logits[j]) != math.Float32bits(want.Logits[j]) {
					t.Fatalf("TTA %q batch %d logit %d: %g, want %g", tta, i, j, g.Logits[j], want.Logits[j])
				}
			}
			for j := range want.Pred {
				if g.Pred[j] != want.Pred[j] {
					t.Fatalf("TTA %q batch %d row %d: class %d, want %d", tta, i, j, g.Pred[j], want.Pred[j])
				}
			}
		}
	}
}

// TestTTARefusals checks ParseTTA and that an unknown TTA, or flip
// without kept logits, is an error of Evaluate and of Run.
func TestTTARefusals(t *testing.T) {
	for s, want := range map[string]trainer.TTA{"": trainer.TTANone, "none": trainer.TTANone, "flip": trainer.TTAFlip} {
		if got, err := trainer.ParseTTA(s); err != nil || got != want {
			t.Errorf("ParseTTA(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{"Flip", "hflip", "none,flip"} {
		if _, err := trainer.ParseTTA(s); err == nil || !strings.Contains(err.Error(), "want none or flip") {
			t.Errorf("ParseTTA(%q): error %v, want one listing none and flip", s, err)
		}
	}
	st, l := ttaSetup(t)
	st.TTA = "bogus"
	if err := trainer.Evaluate(context.Background(), st, l, func(trainer.EvalBatch) error { return nil }); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("Evaluate with TTA bogus: %v, want an error naming it", err)
	}
	st.TTA, st.KeepLogits = trainer.TTAFlip, false
	if err := trainer.Evaluate(context.Background(), st, l, func(trainer.EvalBatch) error { return nil }); err == nil || !strings.Contains(err.Error(), "KeepLogits") {
		t.Errorf("Evaluate with flip and no logits: %v, want an error naming KeepLogits", err)
	}
	_, err := trainer.Run(context.Background(), trainer.Config{
		Model: st.Model, Criteria: st.Criteria, LR: 1e-3, Epochs: 1, Train: l,
		Eval: []trainer.Named{{Name: "valid", Loader: l}}, Valid: "valid", ValidMetric: "accuracy01",
		LogDir: t.TempDir(), TTA: "bogus"})
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("Run with TTA bogus: %v, want an error naming it", err)
	}
}
