package conformance

// The PyTorch fixtures: loading them, reading one case, and the Golden
// family that runs every operation's check against them.

import (
	_ "embed"
	"encoding/json"
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

// like allocates an F32 tensor of t's shape.
func (x fixture) like(t *ops.Tensor) *ops.Tensor {
	x.e.t.Helper()
	return x.e.alloc(ops.F32, t.Shape())
}

// output allocates an F32 tensor of the shape of the fixture tensor name,
// for the output the case compares with it.
func (x fixture) output(name string) *ops.Tensor {
	x.e.t.Helper()
	_, s := x.host(name)
	return x.e.alloc(ops.F32, s)
}

// expect compares a backend tensor with the fixture tensor want.
func (x fixture) expect(got *ops.Tensor, want string) {
	x.e.t.Helper()
	w, s := x.host(want)
	expectClose(x.e.t, x.name+"/"+want, s, x.e.get(got), w, GoldenTol)
}

// Golden checks every operation against PyTorch's own results on the
// cases of testdata/golden_ops.safetensors, forward and backward, and
// ops.DropoutHash against the fixture script's. Each case's check is in
// its operation's file (goldenConv in conv2d.go, ...).
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
		{"ce_smooth_a", goldenCE}, {"ce_smooth_c", goldenCE}, {"mix_smooth_a", goldenMix},
		{"dropout_a", goldenDropout}, {"dropout_b", goldenDropout},
		{"adam_a", goldenAdam}, {"adam_b", goldenAdam},
		{"dropout_hash", goldenDropoutHash},
	}
	for _, c := range cases {
		run(t, c.name, func(t TB) {
			e := newEnv(t, b, "golden/"+c.name)
			defer e.close()
			c.fn(fixture{e: e, f: f, name: c.name})
		})
	}
}
