package conformance

import (
	"fmt"
	"math"
	"strconv"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/trainer"
)

// The whole-network comparison with PyTorch. A training step chains some
// forty operations, each rounding differently from PyTorch's, and Adam
// divides every gradient by its own magnitude, so an element whose
// gradient is at float32 noise level (about 1e-6 of the tensor's largest)
// may step by +lr in one library and -lr in the other. The rules, from
// measurements written in the package documentation:
//
//   - losses, logits, running variances: NetTol;
//   - step-1 gradients: |got-want| <= GradRel * max|want| of the tensor
//     (measured: at most 3.2e-6); the biases of convolutions that feed a
//     batch norm have a true gradient of exactly zero, so for them both
//     libraries' values must be below BiasNoise instead;
//   - the first Adam step uses PyTorch's step-1 gradients, once ours
//     have passed the check above, so that a noise-level element stepping
//     the other way does not make the two runs drift apart in step 2;
//   - weights, running statistics after the two steps: NetTol, every
//     element; the conv biases feeding a batch norm, whose step-2
//     gradient is noise again, within 2*lr*steps of PyTorch's (the most a
//     step of either sign can move them);
//   - evaluation logits: PyTorch's final state loaded and evaluated in
//     eval mode, under NetTol.
var (
	NetTol    = Tolerance{RTol: 2e-4, ATol: 2e-6}
	GradRel   = 2e-5
	BiasNoise = 1e-5
)

// ResNet9Golden trains the tutorial's resnet9 (width 16, 10 classes,
// dropout 0.2 with wgtrain's mask) for two Adam steps from PyTorch's
// initialization on a fixed batch, once with cross-entropy and once with
// 0.5*CE + 0.5*focal, and compares losses, logits, step-1 gradients, the
// final weights, running statistics and batch counters, and the final
// model's evaluation logits with PyTorch's.
func ResNet9Golden(t TB, b ops.Backend) {
	t.Helper()
	_, f := loadGolden(t)
	run(t, "ce", func(t TB) { resnet9Run(t, b, f, "ce", false) })
	run(t, "ce+focal", func(t TB) { resnet9Run(t, b, f, "mix", true) })
}

func resnet9Run(t TB, b ops.Backend, f *safetensors.File, name string, mix bool) {
	e := newEnv(t, b, "resnet9/"+name)
	defer e.close()
	meta := func(k string) int {
		v, err := strconv.Atoi(f.Metadata[k])
		if err != nil {
			t.Fatalf("fixture metadata %s = %q", k, f.Metadata[k])
		}
		return v
	}
	lr, _ := strconv.ParseFloat(f.Metadata["lr"], 64)
	p, _ := strconv.ParseFloat(f.Metadata["dropout_p"], 32)
	m, err := graph.NewResNet9(b, meta("in_channels"), meta("num_classes"), meta("width"), float32(p))
	e.ok(err, "NewResNet9")
	if got, want := m.NumTrainable(), meta("trainable_params"); got != want {
		t.Errorf("resnet9 has %d trainable parameters, PyTorch's has %d", got, want)
	}
	e.ok(statedict.Load(m, f, "init/", "golden_resnet9.safetensors"), "loading PyTorch's initialization")
	opt, err := trainer.NewAdam(b, m.Trainable(), lr)
	e.ok(err, "NewAdam")
	root := fixture{e: e, f: f, name: name}
	top := fixture{e: e, f: f}
	x, labels := top.tensor("x"), top.labels("labels")

	var crits []graph.Criterion = []graph.Criterion{graph.CrossEntropy{}}
	weights := []float32{1}
	if mix {
		crits = append(crits, graph.SigmoidFocal{Spec: ops.DefaultFocal})
		weights = []float32{0.5, 0.5}
	}
	biases := convBiases(m)
	const steps = 2
	for step := 0; step < steps; step++ {
		c := graph.NewContext(b, true)
		c.Seed = uint32(meta("dropout_seed"))
		c.Step = uint32(step)
		logits, err := m.Forward(c, x)
		e.ok(err, "forward")
		y := c.Input(labels)
		var parts []*graph.Var
		for _, cr := range crits {
			l, err := cr.Loss(c, logits, y)
			e.ok(err, "loss")
			parts = append(parts, l)
		}
		loss := parts[0]
		if mix {
			loss, err = graph.WeightedSum(c, parts, weights)
			e.ok(err, "weighted sum")
		}
		prefix := fmt.Sprintf("step%d/", step+1)
		expectClose(t, name+"/"+prefix+"loss", ops.Shape{1}, e.get(loss.Value), root.hostAt(prefix+"loss"), NetTol)
		if step == 0 {
			expectClose(t, name+"/step1/logits", logits.Value.Shape(), e.get(logits.Value), root.hostAt("step1/logits"), NetTol)
		}
		e.ok(c.Backward(loss), "backward")
		if step == 0 {
			for _, p := range m.Trainable() {
				what := name + "/step1/grad/" + p.Name
				got, want := e.get(p.Grad), root.hostAt("step1/grad/"+p.Name)
				if biases[p.Name] {
					expectTiny(t, what, got, want)
				} else {
					tol := Tolerance{ATol: GradRel * maxAbs(want)}
					expectClose(t, what, p.Grad.Shape(), got, want, tol)
				}
				// Step with PyTorch's gradient, now that ours is checked:
				// see the tolerance notes above.
				e.set(p.Grad, want)
			}
		}
		e.ok(opt.Step(), "adam step")
		c.Release()
	}
	envelope := 2 * lr * steps
	for _, s := range m.State() {
		what := name + "/final/" + s.Name
		if s.Count != nil {
			w, _ := f.Get(what)
			v, err := w.Int64s()
			if err != nil || *s.Count != v[0] {
				t.Errorf("%s = %d, PyTorch has %v (%v)", what, *s.Count, v, err)
			}
			continue
		}
		got, want := e.get(s.Tensor), root.hostAt("final/"+s.Name)
		switch {
		case biases[s.Name]:
			expectClose(t, what+" (envelope 2*lr*steps)", s.Tensor.Shape(), got, want, Tolerance{ATol: envelope})
		default:
			expectClose(t, what, s.Tensor.Shape(), got, want, NetTol)
		}
	}
	if !mix {
		// Evaluation mode on PyTorch's own final state.
		e.ok(statedict.Load(m, f, "ce/final/", "golden_resnet9.safetensors"), "loading PyTorch's final state")
		c := graph.NewContext(b, false)
		logits, err := m.Forward(c, x)
		e.ok(err, "eval forward")
		expectClose(t, "ce/eval_logits", logits.Value.Shape(), e.get(logits.Value), root.hostAt("eval_logits"), NetTol)
		c.Release()
	}
}

// convBiases names the biases of convolutions followed by a batch norm.
func convBiases(m *graph.Model) map[string]bool {
	out := map[string]bool{}
	var walk func(mod graph.Module)
	walk = func(mod graph.Module) {
		switch l := mod.(type) {
		case *graph.Sequential:
			for i, c := range l.Modules {
				if conv, ok := c.(*graph.Conv2d); ok && i+1 < len(l.Modules) {
					if _, bn := l.Modules[i+1].(*graph.BatchNorm2d); bn {
						out[conv.Bias.Name] = true
					}
				}
				walk(c)
			}
		case *graph.Residual:
			walk(l.Block)
		}
	}
	walk(m.Root)
	return out
}

// expectTiny checks a gradient that is exactly zero in exact arithmetic.
func expectTiny(t TB, what string, got, want []float32) {
	t.Helper()
	if g, w := maxAbs(got), maxAbs(want); g > BiasNoise || w > BiasNoise {
		t.Errorf("%s: the true gradient is zero; largest |value| is %.3g here and %.3g in PyTorch, want both <= %g", what, g, w, BiasNoise)
	}
}

// hostAt returns a fixture tensor's values.
func (x fixture) hostAt(name string) []float32 {
	x.e.t.Helper()
	v, _ := x.host(name)
	return v
}

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}
