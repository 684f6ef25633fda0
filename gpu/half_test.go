package gpu

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
	"github.com/wgtrain/wgtrain/shaders"
)

func TestHalfConversion(t *testing.T) {
	for _, tc := range []struct {
		f float32
		h uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e9, 0x7c00},
		{0x1p-24, 0x0001}, {0x1p-25, 0x0000}, {0x3p-25, 0x0002}, {0x1p-14, 0x0400},
		{1 + 0x1p-11, 0x3c00}, {1 + 0x3p-11, 0x3c02}, {float32(math.Inf(-1)), 0xfc00},
	} {
		if got := toHalf(tc.f); got != tc.h {
			t.Errorf("toHalf(%g) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if h := toHalf(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("toHalf(NaN) = %#04x, not a NaN", h)
	}
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			continue // NaNs
		}
		if got := toHalf(fromHalf(uint16(h))); got != uint16(h) {
			t.Fatalf("toHalf(fromHalf(%#04x)) = %#04x", h, got)
		}
	}
}

func TestVariantSource(t *testing.T) {
	src := "@group(0) @binding(0) var<uniform> p: P;\n" +
		"@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n" +
		"@group(0) @binding(2) var<storage, read_write> x: array<f32>;\n" +
		"@group(0) @binding(3) var<storage, read_write> w: array<f32>;\n" +
		"fn f(i: u32) { y_st(i, x_ld(i) * w[i]); }\n"
	if m := halfBindings(src); m != 0b110 {
		t.Errorf("halfBindings = %b, want 110", m)
	}
	v, err := variantSource("t", src, 0b110)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"y: array<atomic<u32>>;", "x: array<u32>;", "w: array<f32>;", "unpack2x16float(x[i >> 1u])", "fn y_st("} {
		if !strings.Contains(v, want) {
			t.Errorf("variant lacks %q:\n%s", want, v)
		}
	}
	if _, err := variantSource("t", src, 0b1000); err == nil || !strings.Contains(err.Error(), "binding 3") {
		t.Errorf("a half tensor on w's binding: err = %v, want one naming binding 3", err)
	}
}

// Every module's variant with all its opted bindings half compiles, as
// the all-f32 one does in TestEveryShaderCompiles.
func TestEveryHalfVariantCompiles(t *testing.T) {
	g, err := New(Options{})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	defer g.Close()
	entry := regexp.MustCompile(`@compute[^\n]*\n\s*fn\s+(\w+)`)
	n := 0
	for _, name := range shaders.Names() {
		src, err := shaders.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		m := halfBindings(src)
		if m == 0 {
			continue
		}
		for _, e := range entry.FindAllStringSubmatch(src, -1) {
			if _, err := g.pipelineFor(name+":"+e[1], m); err != nil {
				t.Errorf("%s half %b: %v", name+":"+e[1], m, err)
			}
			n++
		}
	}
	if n < 10 {
		t.Fatalf("only %d entry points have half variants", n)
	}
}

// halfCase holds one comparison's two backends and random inputs.
type halfCase struct {
	t   *testing.T
	g   *Backend
	cpu ops.Backend
	rng *rand.Rand
}

// pair is one tensor on both backends.
type pair struct{ g, c *ops.Tensor }

// act returns an activation of shape s with random values in [-r, r],
// rounded to binary16 so that both backends see the same inputs; on the
// GPU it is stored as binary16.
func (h *halfCase) act(s ops.Shape, r float64) pair {
	return h.tensor(s, r, true)
}

// f32 returns a float32 tensor (a parameter, statistics, logits).
func (h *halfCase) f32(s ops.Shape, r float64) pair {
	return h.tensor(s, r, false)
}

func (h *halfCase) tensor(s ops.Shape, r float64, act bool) pair {
	h.t.Helper()
	data := make([]float32, s.Numel())
	for i := range data {
		data[i] = float32((2*h.rng.Float64() - 1) * r)
		if act {
			data[i] = RoundHalf(data[i])
		}
	}
	var gt *ops.Tensor
	var err error
	if act {
		gt, err = h.g.AllocAct(s)
	} else {
		gt, err = h.g.Alloc(ops.F32, s)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	if act && !h.g.HalfStorage(gt) {
		h.t.Fatal("AllocAct on an f16 backend returned a float32 tensor")
	}
	ct, _ := h.cpu.Alloc(ops.F32, s)
	if err := h.g.Upload(gt, data); err != nil {
		h.t.Fatal(err)
	}
	if err := h.cpu.Upload(ct, data); err != nil {
		h.t.Fatal(err)
	}
	return pair{gt, ct}
}

// check compares the GPU's result with the CPU's under HalfTol, scaled by
// the largest magnitude of the CPU's.
func (h *halfCase) check(what string, p pair) {
	h.t.Helper()
	got, err := h.g.Download(p.g)
	if err != nil {
		h.t.Fatalf("%s: %v", what, err)
	}
	want, err := h.cpu.Download(p.c)
	if err != nil {
		h.t.Fatal(err)
	}
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	gs, ws := make([]float64, len(got)), make([]float64, len(want))
	for i := range got {
		gs[i], ws[i] = float64(got[i])/scale, float64(want[i])/scale
	}
	if i, ok := conformance.Close(gs, ws, conformance.HalfTol); !ok {
		h.t.Errorf("%s: element %d: webgpu f16 %g, cpu %g (scale %g, %s)", what, i, got[i], want[i], scale, conformance.HalfTol)
	}
}

func newHalfCase(t *testing.T) *halfCase {
	g, err := New(Options{Precision: PrecisionF16})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	t.Cleanup(func() { g.Close() })
	return &halfCase{t: t, g: g, cpu: ops.NewCPU(), rng: rand.New(rand.NewPCG(15, 16))}
}

// run calls op on both backends.
func (h *halfCase) run(what string, op func(b ops.Backend, pick func(pair) *ops.Tensor) error) {
	h.t.Helper()
	if err := op(h.g, func(p pair) *ops.Tensor { return p.g }); err != nil {
		h.t.Fatalf("%s on webgpu f16: %v", what, err)
	}
	if err := op(h.cpu, func(p pair) *ops.Tensor { return p.c }); err != nil {
		h.t.Fatalf("%s on cpu: %v", what, err)
	}
}

// Each operation a resnet9 step runs on activations, with binary16
// activations on the GPU, against the CPU backend in float32 on the same
// (rounded) inputs, under conformance.HalfTol. Odd element counts put
// tensors' ends in the middle of a 32-bit word.
func TestHalfOpsMatchCPU(t *testing.T) {
	h := newHalfCase(t)
	conv := ops.ConvSpec{Stride: 1, Padding: 1}
	x := h.act(ops.Shape{2, 3, 7, 7}, 2)
	w := h.f32(ops.Shape{5, 3, 3, 3}, 0.5)
	bias := h.f32(ops.Shape{5}, 0.5)
	y := h.act(ops.Shape{2, 5, 7, 7}, 0)
	h.run("conv2d", func(b ops.Backend, p func(pair) *ops.Tensor) error { return b.Conv2D(p(y), p(x), p(w), p(bias), conv) })
	h.check("conv2d y", y)

	// The first convolution of a network: a float32 input, a half output.
	img := h.f32(ops.Shape{2, 3, 7, 7}, 2)
	h.run("conv2d f32 input", func(b ops.Backend, p func(pair) *ops.Tensor) error { return b.Conv2D(p(y), p(img), p(w), nil, conv) })
	h.check("conv2d y of an f32 input", y)

	dy := h.act(ops.Shape{2, 5, 7, 7}, 1)
	dx := h.act(ops.Shape{2, 3, 7, 7}, 0)
	dw, db := h.f32(ops.Shape{5, 3, 3, 3}, 0), h.f32(ops.Shape{5}, 0)
	h.run("conv2d backward", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.Conv2DBackwardData(p(dx), p(dy), p(w), conv); err != nil {
			return err
		}
		return b.Conv2DBackwardFilter(p(dw), p(db), p(x), p(dy), conv)
	})
	h.check("conv2d dx", dx)
	h.check("conv2d dw", dw)
	h.check("conv2d db", db)

	gamma, beta := h.f32(ops.Shape{5}, 1), h.f32(ops.Shape{5}, 0.5)
	rm, rv := h.f32(ops.Shape{5}, 0), h.f32(ops.Shape{5}, 0)
	mean, inv := h.f32(ops.Shape{5}, 0), h.f32(ops.Shape{5}, 0)
	bnIn := h.act(ops.Shape{2, 5, 7, 7}, 3)
	bnY := h.act(ops.Shape{2, 5, 7, 7}, 0)
	bnDx := h.act(ops.Shape{2, 5, 7, 7}, 0)
	dg, dbeta := h.f32(ops.Shape{5}, 0), h.f32(ops.Shape{5}, 0)
	bn := ops.DefaultBatchNorm
	h.run("batchnorm", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		f := b.(ops.BatchNormReLUBackend)
		if err := f.BatchNormReLUTrain(p(bnY), p(mean), p(inv), p(bnIn), p(gamma), p(beta), p(rm), p(rv), bn); err != nil {
			return err
		}
		return f.BatchNormReLUBackward(p(bnDx), p(dg), p(dbeta), p(bnIn), p(bnY), p(dy), p(mean), p(inv), p(gamma))
	})
	for _, c := range []struct {
		what string
		p    pair
	}{{"bn+relu y", bnY}, {"bn mean", mean}, {"bn invStd", inv}, {"bn running mean", rm}, {"bn running var", rv}, {"bn+relu dx", bnDx}, {"bn dgamma", dg}, {"bn dbeta", dbeta}} {
		h.check(c.what, c.p)
	}
	h.run("batchnorm eval, unfused", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.BatchNormEval(p(bnY), p(bnIn), p(gamma), p(beta), p(rm), p(rv), bn); err != nil {
			return err
		}
		if err := b.BatchNormTrain(p(y), p(mean), p(inv), p(bnIn), p(gamma), p(beta), p(rm), p(rv), bn); err != nil {
			return err
		}
		return b.BatchNormBackward(p(bnDx), p(dg), p(dbeta), p(bnIn), p(dy), p(mean), p(inv), p(gamma))
	})
	h.check("bn eval y", bnY)
	h.check("bn train y", y)
	h.check("bn dx", bnDx)
	h.check("bn dgamma (unfused)", dg)

	pooled := h.act(ops.Shape{2, 5, 3, 3}, 0)
	dpool := h.act(ops.Shape{2, 5, 3, 3}, 1)
	h.run("maxpool", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.MaxPool2D(p(pooled), p(bnIn), 2); err != nil {
			return err
		}
		return b.MaxPool2DBackward(p(bnDx), p(bnIn), p(dpool), 2)
	})
	h.check("maxpool y", pooled)
	h.check("maxpool dx", bnDx)

	// Batch norm + ReLU + max pooling fused: half x, pooled y, dy and dx;
	// idx (I32) and the statistics stay 32-bit.
	idx := pair{}
	for i, b := range []ops.Backend{h.g, h.cpu} {
		it, err := b.Alloc(ops.I32, ops.Shape{2, 5, 3, 3})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			idx.g = it
		} else {
			idx.c = it
		}
	}
	h.run("batchnorm+relu+maxpool", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		f := b.(ops.BatchNormReLUPoolBackend)
		if err := f.BatchNormReLUPoolTrain(p(pooled), p(idx), p(mean), p(inv), p(bnIn), p(gamma), p(beta), p(rm), p(rv), bn, 2); err != nil {
			return err
		}
		return f.BatchNormReLUPoolBackward(p(bnDx), p(dg), p(dbeta), p(bnIn), p(idx), p(dpool), p(mean), p(inv), p(gamma), 2)
	})
	h.check("bn+relu+pool y", pooled)
	h.check("bn+relu+pool dx", bnDx)
	h.check("bn+relu+pool dgamma", dg)
	h.check("bn+relu+pool dbeta", dbeta)
	h.run("batchnorm+relu+maxpool eval", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		return b.(ops.BatchNormReLUPoolBackend).BatchNormReLUPoolEval(p(pooled), p(bnIn), p(gamma), p(beta), p(rm), p(rv), bn, 2)
	})
	h.check("bn+relu+pool eval y", pooled)

	sum := h.act(ops.Shape{2, 5, 7, 7}, 0)
	h.run("elementwise", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.Add(p(sum), p(bnIn), p(dy)); err != nil {
			return err
		}
		if err := b.Add(p(dy), p(dy), p(bnIn)); err != nil { // in place
			return err
		}
		if err := b.ReLU(p(y), p(bnIn)); err != nil {
			return err
		}
		if err := b.ReLUBackward(p(bnDx), p(y), p(sum)); err != nil {
			return err
		}
		if err := b.Scale(p(bnY), p(sum), 0.125); err != nil {
			return err
		}
		return b.Copy(p(pooled), p(dpool))
	})
	h.check("add", sum)
	h.check("add in place", dy)
	h.check("relu", y)
	h.check("relu backward", bnDx)
	h.check("scale", bnY)
	h.check("copy", pooled)

	flat, _ := ops.Reshape(pooled.g, ops.Shape{2, 45})
	flatC, _ := ops.Reshape(pooled.c, ops.Shape{2, 45})
	fx := pair{flat, flatC}
	lw, lb := h.f32(ops.Shape{10, 45}, 0.3), h.f32(ops.Shape{10}, 0.3)
	logits, dlogits := h.f32(ops.Shape{2, 10}, 0), h.f32(ops.Shape{2, 10}, 1)
	ldw, ldb := h.f32(ops.Shape{10, 45}, 0), h.f32(ops.Shape{10}, 0)
	h.run("linear", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.Linear(p(logits), p(fx), p(lw), p(lb)); err != nil {
			return err
		}
		return b.LinearBackward(p(fx), p(ldw), p(ldb), p(fx), p(lw), p(dlogits))
	})
	h.check("linear logits (f32)", logits)
	h.check("linear dw", ldw)
	h.check("linear dx", fx)
	if h.g.HalfStorage(logits.g) {
		t.Error("a float32 tensor reports half storage")
	}
}

// A half tensor where an operation takes float32 only is an error naming
// the binding, not a misread.
func TestHalfWhereF32Only(t *testing.T) {
	h := newHalfCase(t)
	logits := h.act(ops.Shape{2, 3}, 1)
	pred, err := h.g.Alloc(ops.I32, ops.Shape{2})
	if err != nil {
		t.Fatal(err)
	}
	err = h.g.Argmax(pred, logits.g)
	if err == nil {
		err = h.g.Sync()
	}
	if err == nil || !strings.Contains(err.Error(), "float32 only") {
		t.Fatalf("argmax of half logits: err = %v, want a float32-only error", err)
	}
}

// The rest of the kernels that take half tensors: dropout, fill, a
// convolution long enough in its reduction to be split (split-K sums
// into a half output) and, with a storage binding cap of 4 KiB, the
// operations that then run in slices of images or elements, whose
// offsets into a half tensor count 2-byte elements.
func TestHalfOpsMatchCPUSplit(t *testing.T) {
	h := newHalfCase(t)
	x := h.act(ops.Shape{2, 3, 7, 7}, 2)
	y := h.act(ops.Shape{2, 3, 7, 7}, 0)
	dy := h.act(ops.Shape{2, 3, 7, 7}, 1)
	spec := ops.DropoutSpec{P: 0.3, Seed: 7, Step: 3}
	h.run("dropout", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.Dropout(p(y), p(x), spec); err != nil {
			return err
		}
		return b.DropoutBackward(p(dy), p(dy), spec)
	})
	h.check("dropout y", y)
	h.check("dropout dx", dy)
	h.run("fill", func(b ops.Backend, p func(pair) *ops.Tensor) error { return b.Fill(p(y), -0.3) })
	h.check("fill", y)

	conv := ops.ConvSpec{Stride: 1, Padding: 1}
	deep := h.act(ops.Shape{2, 64, 4, 4}, 1)
	w := h.f32(ops.Shape{8, 64, 3, 3}, 0.1)
	out := h.act(ops.Shape{2, 8, 4, 4}, 0)
	h.run("conv2d, split-K", func(b ops.Backend, p func(pair) *ops.Tensor) error { return b.Conv2D(p(out), p(deep), p(w), nil, conv) })
	h.check("conv2d y, split-K", out)

	h.g.testBindCap = 4 << 10
	defer func() { h.g.testBindCap = 0 }()
	big := h.act(ops.Shape{6, 8, 8, 8}, 2) // 1 KiB per image as half: 6 KiB, bound in slices
	w2 := h.f32(ops.Shape{8, 8, 3, 3}, 0.3)
	bias := h.f32(ops.Shape{8}, 0.3)
	bigY := h.act(ops.Shape{6, 8, 8, 8}, 0)
	bigDy := h.act(ops.Shape{6, 8, 8, 8}, 1)
	dw, db := h.f32(ops.Shape{8, 8, 3, 3}, 0), h.f32(ops.Shape{8}, 0)
	sum := h.act(ops.Shape{6, 8, 8, 8}, 0)
	pooled := h.act(ops.Shape{6, 8, 4, 4}, 0)
	h.run("sliced operations", func(b ops.Backend, p func(pair) *ops.Tensor) error {
		if err := b.Conv2D(p(bigY), p(big), p(w2), p(bias), conv); err != nil {
			return err
		}
		if err := b.Conv2DBackwardFilter(p(dw), p(db), p(big), p(bigDy), conv); err != nil {
			return err
		}
		if err := b.Add(p(sum), p(big), p(bigDy)); err != nil {
			return err
		}
		return b.MaxPool2D(p(pooled), p(big), 2)
	})
	h.check("sliced conv2d y", bigY)
	h.check("sliced conv2d dw", dw)
	h.check("sliced conv2d db", db)
	h.check("sliced add", sum)
	h.check("sliced maxpool", pooled)
}

// A half tensor takes half the memory of a float32 one.
func TestHalfAllocSize(t *testing.T) {
	h := newHalfCase(t)
	before, _ := h.g.MemoryStats()
	a, err := h.g.AllocAct(ops.Shape{3, 1000})
	if err != nil {
		t.Fatal(err)
	}
	mid, _ := h.g.MemoryStats()
	f, err := h.g.Alloc(ops.F32, ops.Shape{3, 1000})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := h.g.MemoryStats()
	if half, full := mid-before, after-mid; half != 6144 || full != 12032 {
		t.Errorf("3000 elements: %d bytes as half, %d as float32; want 6144 and 12032 (multiples of 256)", half, full)
	}
	h.g.Free(a)
	h.g.Free(f)
}

// A half store of a value beyond binary16's range writes an infinity of
// its sign (what the loss scaler looks for) and NaN stays NaN, as the
// host's rounding does; 65504 + 15 still rounds to 65504.
func TestHalfStoreSaturates(t *testing.T) {
	h := newHalfCase(t)
	a, _ := h.g.AllocAct(ops.Shape{5})
	b, _ := h.g.AllocAct(ops.Shape{5})
	y, _ := h.g.AllocAct(ops.Shape{5})
	nan := float32(math.NaN())
	if err := h.g.Upload(a, []float32{60000, -60000, 32752, nan, 65504}); err != nil {
		t.Fatal(err)
	}
	if err := h.g.Upload(b, []float32{60000, -60000, 32752, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if err := h.g.Add(y, a, b); err != nil {
		t.Fatal(err)
	}
	got, err := h.g.Download(y)
	if err != nil {
		t.Fatal(err)
	}
	inf := float32(math.Inf(1))
	want := []float32{inf, -inf, 65504, nan, 65504}
	for i := range want {
		if !(got[i] == want[i] || math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Errorf("element %d: %g, want %g", i, got[i], want[i])
		}
	}
	for i, v := range want {
		if r := RoundHalf(v); !(r == v || math.IsNaN(float64(r)) && math.IsNaN(float64(v))) {
			t.Errorf("host rounding of element %d: %g, want %g", i, r, v)
		}
	}
}
