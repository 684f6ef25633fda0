package conformance

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/ops"
)

// The PyTorch fixtures, written by scripts/gen_golden.py with Debian's
// python3-torch and committed, so that the suite needs no Python.
var (
	//go:embed testdata/golden_ops.safetensors
	goldenOpsFile []byte
	//go:embed testdata/golden_resnet9.safetensors
	goldenResNet9File []byte
)

// GoldenTol compares a backend with PyTorch's float32 results: the two sum
// in different orders, so agreement is to float32 rounding of sums of a
// few hundred terms, not to the last bit.
var GoldenTol = Tolerance{RTol: 1e-4, ATol: 1e-5}

var (
	goldenOnce sync.Once
	goldenOps  *safetensors.File
	goldenNet  *safetensors.File
	goldenErr  error
)

func loadGolden(t TB) (opsFile, netFile *safetensors.File) {
	t.Helper()
	goldenOnce.Do(func() {
		if goldenOps, goldenErr = safetensors.Parse(goldenOpsFile, "golden_ops.safetensors"); goldenErr != nil {
			return
		}
		goldenNet, goldenErr = safetensors.Parse(goldenResNet9File, "golden_resnet9.safetensors")
	})
	if goldenErr != nil {
		t.Fatalf("reading the PyTorch fixtures: %v", goldenErr)
	}
	return goldenOps, goldenNet
}

// fixture is one case of a golden file.
type fixture struct {
	e    *env
	f    *safetensors.File
	name string
}

func (x fixture) raw(name string) *safetensors.Tensor {
	x.e.t.Helper()
	full := name
	if x.name != "" {
		full = x.name + "/" + name
	}
	t, ok := x.f.Get(full)
	if !ok {
		x.e.t.Fatalf("fixture %s is missing", full)
	}
	return t
}

// host returns a fixture tensor's values and shape.
func (x fixture) host(name string) ([]float32, ops.Shape) {
	x.e.t.Helper()
	t := x.raw(name)
	v, err := t.Float32s()
	if err != nil {
		x.e.t.Fatalf("fixture %s/%s: %v", x.name, name, err)
	}
	return v, ops.Shape(t.Shape)
}

// tensor uploads a fixture tensor to the backend.
func (x fixture) tensor(name string) *ops.Tensor {
	x.e.t.Helper()
	v, s := x.host(name)
	return x.e.tensor(s, v)
}

// labels uploads an I64 fixture tensor as I32 labels.
func (x fixture) labels(name string) *ops.Tensor {
	x.e.t.Helper()
	v, err := x.raw(name).Int64s()
	if err != nil {
		x.e.t.Fatalf("fixture %s/%s: %v", x.name, name, err)
	}
	l := make([]int32, len(v))
	for i, y := range v {
		l[i] = int32(y)
	}
	return x.e.labels(l)
}

// meta decodes the case's JSON parameters into v.
func (x fixture) meta(v any) {
	x.e.t.Helper()
	s, ok := x.f.Metadata[x.name]
	if !ok {
		x.e.t.Fatalf("fixture %s has no parameters", x.name)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		x.e.t.Fatalf("fixture %s parameters %q: %v", x.name, s, err)
	}
}

// expect compares a backend tensor with the fixture tensor want.
func (x fixture) expect(got *ops.Tensor, want string) {
	x.e.t.Helper()
	w, s := x.host(want)
	expectClose(x.e.t, x.name+"/"+want, s, x.e.get(got), w, GoldenTol)
}

// Golden checks every operation against PyTorch's own results on the
// cases of testdata/golden_ops.safetensors, forward and backward.
func Golden(t TB, b ops.Backend) {
	t.Helper()
	f, _ := loadGolden(t)
	cases := []struct {
		name string
		fn   func(x fixture)
	}{
		{"conv_a", goldenConv}, {"conv_b", goldenConv}, {"conv_c", goldenConv}, {"conv_d", goldenConv}, {"conv_e", goldenConv},
		{"bn_train_a", goldenBNTrain}, {"bn_train_b", goldenBNTrain}, {"bn_eval", goldenBNEval},
		{"relu", goldenReLU},
		{"maxpool_a", goldenMaxPool}, {"maxpool_b", goldenMaxPool}, {"maxpool_c", goldenMaxPool},
		{"linear_a", goldenLinear}, {"linear_b", goldenLinear},
		{"ce_a", goldenCE}, {"ce_b", goldenCE}, {"ce_c", goldenCE},
		{"focal_a", goldenFocal}, {"focal_b", goldenFocal}, {"focal_c", goldenFocal},
		{"mix_a", goldenMix},
		{"dropout_a", goldenDropout}, {"dropout_b", goldenDropout},
		{"adam_a", goldenAdam}, {"adam_b", goldenAdam},
	}
	for _, c := range cases {
		run(t, c.name, func(t TB) {
			e := newEnv(t, b, "golden/"+c.name)
			defer e.close()
			c.fn(fixture{e: e, f: f, name: c.name})
		})
	}
	run(t, "dropout_hash", func(t TB) {
		e := newEnv(t, b, "golden/dropout_hash")
		x := fixture{e: e, f: f, name: "dropout_hash"}
		var p struct{ Seed, Step uint32 }
		x.meta(&p)
		want, err := x.raw("h").Int64s()
		if err != nil {
			t.Fatalf("dropout_hash/h: %v", err)
		}
		for i, w := range want {
			if got := ops.DropoutHash(p.Seed, p.Step, uint32(i)); int64(got) != w {
				t.Errorf("DropoutHash(%d, %d, %d) = %#x, PyTorch script computed %#x", p.Seed, p.Step, i, got, w)
			}
		}
	})
}

func goldenConv(x fixture) {
	var p struct{ Stride, Padding int }
	x.meta(&p)
	s := ops.ConvSpec{Stride: p.Stride, Padding: p.Padding}
	in, w, bias := x.tensor("x"), x.tensor("w"), x.tensor("b")
	_, ys := x.host("y")
	y := x.e.alloc(ops.F32, ys)
	x.e.ok(x.e.b.Conv2D(y, in, w, bias, s), "Conv2D")
	x.expect(y, "y")
	dy := x.tensor("dy")
	dx, dw, db := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, w.Shape()), x.e.alloc(ops.F32, bias.Shape())
	x.e.ok(x.e.b.Conv2DBackwardData(dx, dy, w, s), "Conv2DBackwardData")
	x.e.ok(x.e.b.Conv2DBackwardFilter(dw, db, in, dy, s), "Conv2DBackwardFilter")
	x.expect(dx, "dx")
	x.expect(dw, "dw")
	x.expect(db, "db")
}

func goldenBNTrain(x fixture) {
	var p struct{ Eps, Momentum float32 }
	x.meta(&p)
	s := ops.BatchNormSpec{Eps: p.Eps, Momentum: p.Momentum}
	in, g, beta := x.tensor("x"), x.tensor("gamma"), x.tensor("beta")
	rm, rv := x.tensor("running_mean_in"), x.tensor("running_var_in")
	ch := g.Shape()
	y, mean, inv := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, ch), x.e.alloc(ops.F32, ch)
	x.e.ok(x.e.b.BatchNormTrain(y, mean, inv, in, g, beta, rm, rv, s), "BatchNormTrain")
	x.expect(y, "y")
	x.expect(rm, "running_mean_out")
	x.expect(rv, "running_var_out")
	dy := x.tensor("dy")
	dx, dg, db := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, ch), x.e.alloc(ops.F32, ch)
	x.e.ok(x.e.b.BatchNormBackward(dx, dg, db, in, dy, mean, inv, g), "BatchNormBackward")
	x.expect(dx, "dx")
	x.expect(dg, "dgamma")
	x.expect(db, "dbeta")
}

func goldenBNEval(x fixture) {
	var p struct{ Eps float32 }
	x.meta(&p)
	in := x.tensor("x")
	y := x.e.alloc(ops.F32, in.Shape())
	x.e.ok(x.e.b.BatchNormEval(y, in, x.tensor("gamma"), x.tensor("beta"), x.tensor("running_mean"), x.tensor("running_var"),
		ops.BatchNormSpec{Eps: p.Eps, Momentum: 0.1}), "BatchNormEval")
	x.expect(y, "y")
}

func goldenReLU(x fixture) {
	in := x.tensor("x")
	y, dx := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, in.Shape())
	x.e.ok(x.e.b.ReLU(y, in), "ReLU")
	x.e.ok(x.e.b.ReLUBackward(dx, y, x.tensor("dy")), "ReLUBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}

func goldenMaxPool(x fixture) {
	var p struct{ K int }
	x.meta(&p)
	in := x.tensor("x")
	_, ys := x.host("y")
	y, dx := x.e.alloc(ops.F32, ys), x.e.alloc(ops.F32, in.Shape())
	x.e.ok(x.e.b.MaxPool2D(y, in, p.K), "MaxPool2D")
	x.e.ok(x.e.b.MaxPool2DBackward(dx, in, x.tensor("dy"), p.K), "MaxPool2DBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}

func goldenLinear(x fixture) {
	in, w, bias := x.tensor("x"), x.tensor("w"), x.tensor("b")
	_, ys := x.host("y")
	y := x.e.alloc(ops.F32, ys)
	x.e.ok(x.e.b.Linear(y, in, w, bias), "Linear")
	x.expect(y, "y")
	dx, dw, db := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, w.Shape()), x.e.alloc(ops.F32, bias.Shape())
	x.e.ok(x.e.b.LinearBackward(dx, dw, db, in, w, x.tensor("dy")), "LinearBackward")
	x.expect(dx, "dx")
	x.expect(dw, "dw")
	x.expect(db, "db")
}

// goldenLoss runs a loss and its backward with dloss = 1 and compares both.
func goldenLoss(x fixture, fwd func(loss, logits, labels *ops.Tensor) error, bwd func(d, logits, labels, dl *ops.Tensor) error) {
	logits, labels := x.tensor("logits"), x.labels("labels")
	loss, d := x.e.zeros(1), x.e.alloc(ops.F32, logits.Shape())
	one := x.e.tensor(ops.Shape{1}, []float32{1})
	x.e.ok(fwd(loss, logits, labels), x.name+" forward")
	x.e.ok(bwd(d, logits, labels, one), x.name+" backward")
	x.expect(loss, "loss")
	x.expect(d, "dlogits")
}

func goldenCE(x fixture) { goldenLoss(x, x.e.b.CrossEntropy, x.e.b.CrossEntropyBackward) }

func goldenFocal(x fixture) {
	var p struct{ Gamma, Alpha float32 }
	x.meta(&p)
	s := ops.FocalSpec{Gamma: p.Gamma, Alpha: p.Alpha}
	goldenLoss(x,
		func(l, z, y *ops.Tensor) error { return x.e.b.SigmoidFocal(l, z, y, s) },
		func(d, z, y, dl *ops.Tensor) error { return x.e.b.SigmoidFocalBackward(d, z, y, dl, s) })
}

func goldenMix(x fixture) {
	var p struct {
		Weights      struct{ CE, Focal float32 }
		Gamma, Alpha float32
	}
	x.meta(&p)
	s := ops.FocalSpec{Gamma: p.Gamma, Alpha: p.Alpha}
	b := x.e.b
	logits, labels := x.tensor("logits"), x.labels("labels")
	ce, fl, total := x.e.zeros(1), x.e.zeros(1), x.e.zeros(1)
	x.e.ok(b.CrossEntropy(ce, logits, labels), "CrossEntropy")
	x.e.ok(b.SigmoidFocal(fl, logits, labels, s), "SigmoidFocal")
	x.e.ok(b.WeightedSum(total, []*ops.Tensor{ce, fl}, []float32{p.Weights.CE, p.Weights.Focal}), "WeightedSum")
	x.expect(ce, "loss_ce")
	x.expect(fl, "loss_focal")
	x.expect(total, "loss")
	wce, wfl := x.e.tensor(ops.Shape{1}, []float32{p.Weights.CE}), x.e.tensor(ops.Shape{1}, []float32{p.Weights.Focal})
	dce, dfl := x.e.alloc(ops.F32, logits.Shape()), x.e.alloc(ops.F32, logits.Shape())
	x.e.ok(b.CrossEntropyBackward(dce, logits, labels, wce), "CrossEntropyBackward")
	x.e.ok(b.SigmoidFocalBackward(dfl, logits, labels, wfl, s), "SigmoidFocalBackward")
	x.e.ok(b.Add(dce, dce, dfl), "Add")
	x.expect(dce, "dlogits")
}

func goldenDropout(x fixture) {
	var p struct {
		P          float32
		Seed, Step uint32
	}
	x.meta(&p)
	s := ops.DropoutSpec{P: p.P, Seed: p.Seed, Step: p.Step}
	in, dy := x.tensor("x"), x.tensor("dy")
	y, dx := x.e.alloc(ops.F32, in.Shape()), x.e.alloc(ops.F32, in.Shape())
	x.e.ok(x.e.b.Dropout(y, in, s), "Dropout")
	x.e.ok(x.e.b.DropoutBackward(dx, dy, s), "DropoutBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}

func goldenAdam(x fixture) {
	var p struct {
		LR    float64
		Betas [2]float64
		Eps   float64
	}
	x.meta(&p)
	b := x.e.b
	param := x.tensor("p0")
	m, v := x.e.alloc(ops.F32, param.Shape()), x.e.alloc(ops.F32, param.Shape())
	for step := 1; step <= 3; step++ {
		g := x.tensor(fmt.Sprintf("g%d", step))
		s := ops.AdamSpec{LR: p.LR, Beta1: p.Betas[0], Beta2: p.Betas[1], Eps: p.Eps, Step: step}
		x.e.ok(b.Adam(param, g, m, v, s), fmt.Sprintf("Adam step %d", step))
		x.expect(param, fmt.Sprintf("p%d", step))
	}
	x.expect(m, "m3")
	x.expect(v, "v3")
}
