package gpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
)

// splitBackend opens a WebGPU backend under the spec's default limits.
func splitBackend(t *testing.T) *Backend {
	t.Helper()
	g, err := New(Options{Limits: LimitsDefault})
	if errors.Is(err, ErrNoAdapter) {
		citest.Missing(t, "WebGPU", err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// splitCase runs operations on tensors too large for the lowered binding
// cap of the test (so the backend must split them: a dispatch binding
// more than the cap fails), on WebGPU and on the CPU backend.
type splitCase struct {
	name    string
	cap     uint64               // bytes per binding
	tensors map[string]ops.Shape // every tensor, filled with N(0, 1) unless init says
	init    map[string]float32   // a constant fill instead (variances, ...)
	check   []string             // the tensors compared after run
	run     func(b ops.Backend, t map[string]*ops.Tensor) error
}

var bnSpec = ops.BatchNormSpec{Eps: 1e-5, Momentum: 0.1}

func splitCases() []splitCase {
	conv := ops.ConvSpec{Stride: 1, Padding: 1}
	cases := []splitCase{{
		// 37 images of 4x4x4 (256 bytes) and 8x4x4 outputs (512 bytes):
		// 8 images per 4 KiB binding, the last chunk 5.
		name: "conv2d", cap: 4 << 10,
		tensors: map[string]ops.Shape{"x": {37, 4, 4, 4}, "w": {8, 4, 3, 3}, "b": {8}, "y": {37, 8, 4, 4},
			"dy": {37, 8, 4, 4}, "dx": {37, 4, 4, 4}, "dw": {8, 4, 3, 3}, "db": {8}},
		check: []string{"y", "dx", "dw", "db"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return errors.Join(b.Conv2D(t["y"], t["x"], t["w"], t["b"], conv),
				b.Conv2DBackwardData(t["dx"], t["dy"], t["w"], conv),
				b.Conv2DBackwardFilter(t["dw"], t["db"], t["x"], t["dy"], conv))
		},
	}, {
		// 9 images of 2x16x16 (2 KiB) and 4x16x16 outputs (4 KiB): 4
		// images per 16 KiB binding, so the filter gradient of a chunk of
		// 4 reduces over 1024 pixels with split-K (its db summed with
		// it), the last chunk of 1 over 256 without.
		name: "conv2d-split-k", cap: 16 << 10,
		tensors: map[string]ops.Shape{"x": {9, 2, 16, 16}, "dy": {9, 4, 16, 16}, "dw": {4, 2, 3, 3}, "db": {4}},
		check:   []string{"dw", "db"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return b.Conv2DBackwardFilter(t["dw"], t["db"], t["x"], t["dy"], conv)
		},
	}, {
		// Batch norm over slices of 8 images of 4 channels of 4x4: one
		// chunk per slice and channel, the last short.
		name: "batchnorm", cap: 4 << 10,
		tensors: map[string]ops.Shape{"x": {37, 4, 4, 4}, "y": {37, 4, 4, 4}, "ye": {37, 4, 4, 4}, "mean": {4}, "inv": {4},
			"gamma": {4}, "beta": {4}, "rm": {4}, "rv": {4}, "dy": {37, 4, 4, 4}, "dx": {37, 4, 4, 4}, "dg": {4}, "db": {4}},
		init:  map[string]float32{"rv": 1.5, "rm": 0.25},
		check: []string{"y", "ye", "mean", "inv", "rm", "rv", "dx", "dg", "db"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return errors.Join(b.BatchNormTrain(t["y"], t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec),
				b.BatchNormEval(t["ye"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec),
				b.BatchNormBackward(t["dx"], t["dg"], t["db"], t["x"], t["dy"], t["mean"], t["inv"], t["gamma"]))
		},
	}, {
		// Planes of 32x32 in slices of 8 images: two chunks of 4,096
		// values per slice and channel.
		name: "batchnorm-large-planes", cap: 64 << 10,
		tensors: map[string]ops.Shape{"x": {19, 2, 32, 32}, "y": {19, 2, 32, 32}, "mean": {2}, "inv": {2},
			"gamma": {2}, "beta": {2}, "rm": {2}, "rv": {2}, "dy": {19, 2, 32, 32}, "dx": {19, 2, 32, 32}, "dg": {2}, "db": {2}},
		init:  map[string]float32{"rv": 1},
		check: []string{"y", "mean", "inv", "rm", "rv", "dx", "dg", "db"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return errors.Join(b.BatchNormTrain(t["y"], t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec),
				b.BatchNormBackward(t["dx"], t["dg"], t["db"], t["x"], t["dy"], t["mean"], t["inv"], t["gamma"]))
		},
	}, {
		// The fused batch norm + ReLU (batchnorm_relu.go) over the slices
		// of the batchnorm case.
		name: "batchnorm-relu", cap: 4 << 10,
		tensors: map[string]ops.Shape{"x": {37, 4, 4, 4}, "y": {37, 4, 4, 4}, "ye": {37, 4, 4, 4}, "mean": {4}, "inv": {4},
			"gamma": {4}, "beta": {4}, "rm": {4}, "rv": {4}, "dy": {37, 4, 4, 4}, "dx": {37, 4, 4, 4}, "dg": {4}, "db": {4}},
		init:  map[string]float32{"rv": 1.5, "rm": 0.25},
		check: []string{"y", "ye", "mean", "inv", "rm", "rv", "dx", "dg", "db", "dy"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			f, ok := b.(ops.BatchNormReLUBackend)
			if !ok {
				return fmt.Errorf("%s has no fused batch norm + ReLU", b.Name())
			}
			return errors.Join(f.BatchNormReLUTrain(t["y"], t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec),
				f.BatchNormReLUEval(t["ye"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec),
				f.BatchNormReLUBackward(t["dx"], t["dg"], t["db"], t["x"], t["y"], t["dy"], t["mean"], t["inv"], t["gamma"]))
		},
	}, {
		name: "maxpool", cap: 4 << 10,
		tensors: map[string]ops.Shape{"x": {21, 4, 4, 4}, "y": {21, 4, 2, 2}, "dy": {21, 4, 2, 2}, "dx": {21, 4, 4, 4}},
		check:   []string{"y", "dx"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return errors.Join(b.MaxPool2D(t["y"], t["x"], 2), b.MaxPool2DBackward(t["dx"], t["x"], t["dy"], 2))
		},
	}, {
		// Adam over 3,000 parameters in chunks of 1,024, with its
		// one-element guard bound whole.
		name: "adam", cap: 4 << 10,
		tensors: map[string]ops.Shape{"p": {3000}, "g": {3000}, "m": {3000}, "v": {3000}, "guard": {1}},
		init:    map[string]float32{"v": 0.5, "guard": 1},
		check:   []string{"p", "m", "v"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			return b.Adam(t["p"], t["g"], t["m"], t["v"], ops.AdamSpec{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 3, Guard: t["guard"]})
		},
	}, {
		// 3,000 elements in chunks of 1,024.
		name: "elementwise", cap: 4 << 10,
		tensors: map[string]ops.Shape{"a": {3000}, "b": {3000}, "sum": {3000}, "relu": {3000}, "drelu": {3000},
			"scaled": {3000}, "copy": {3000}, "filled": {3000}, "drop": {3000}, "ddrop": {3000}},
		check: []string{"sum", "relu", "drelu", "scaled", "copy", "filled", "drop", "ddrop"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			drop := ops.DropoutSpec{P: 0.5, Seed: 9, Step: 3}
			return errors.Join(b.Add(t["sum"], t["a"], t["b"]), b.ReLU(t["relu"], t["a"]),
				b.ReLUBackward(t["drelu"], t["relu"], t["b"]), b.Scale(t["scaled"], t["a"], -2.5),
				b.Copy(t["copy"], t["b"]), b.Fill(t["filled"], 3),
				b.Dropout(t["drop"], t["a"], drop), b.DropoutBackward(t["ddrop"], t["b"], drop))
		},
	}}
	return append(cases, bnPoolSplitCase("batchnorm-relu-pool", 4<<10, 37, 4, 4),
		// Planes of 32x32 in slices of 8 images: two chunks per slice
		// and channel, and a block of pooled outputs per chunk.
		bnPoolSplitCase("batchnorm-relu-pool-large-planes", 64<<10, 19, 2, 32))
}

// bnPoolSplitCase is the fused batch norm + ReLU + 2x2 max pooling
// (batchnorm_relu_pool.go) over n images of c channels of size x size,
// under a binding cap of limit bytes.
func bnPoolSplitCase(name string, limit uint64, n, c, size int) splitCase {
	full, pooled, ch := ops.Shape{n, c, size, size}, ops.Shape{n, c, size / 2, size / 2}, ops.Shape{c}
	return splitCase{
		name: name, cap: limit,
		tensors: map[string]ops.Shape{"x": full, "y": pooled, "ye": pooled, "mean": ch, "inv": ch,
			"gamma": ch, "beta": ch, "rm": ch, "rv": ch, "dy": pooled, "dx": full, "dg": ch, "db": ch},
		init:  map[string]float32{"rv": 1.5, "rm": 0.25},
		check: []string{"y", "ye", "mean", "inv", "rm", "rv", "dx", "dg", "db", "dy"},
		run: func(b ops.Backend, t map[string]*ops.Tensor) error {
			f, ok := b.(ops.BatchNormReLUPoolBackend)
			if !ok {
				return fmt.Errorf("%s has no fused batch norm + ReLU + max pooling", b.Name())
			}
			idx, err := b.Alloc(ops.I32, pooled)
			if err != nil {
				return err
			}
			defer b.Free(idx)
			return errors.Join(f.BatchNormReLUPoolTrain(t["y"], idx, t["mean"], t["inv"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec, 2),
				f.BatchNormReLUPoolEval(t["ye"], t["x"], t["gamma"], t["beta"], t["rm"], t["rv"], bnSpec, 2),
				f.BatchNormReLUPoolBackward(t["dx"], t["dg"], t["db"], t["x"], idx, t["dy"], t["mean"], t["inv"], t["gamma"], 2))
		},
	}
}

// Every operation that splits a batch (or a flat range) into slices that
// fit one binding agrees with the CPU backend when the binding cap is
// lowered to a few KiB, under the spec's default limits.
func TestSplitAgreesWithCPU(t *testing.T) {
	g := splitBackend(t)
	defer func() { g.testBindCap = 0 }()
	for _, c := range splitCases() {
		t.Run(c.name, func(t *testing.T) {
			g.testBindCap = c.cap
			larger := false
			for _, s := range c.tensors {
				larger = larger || uint64(4*s.Numel()) > c.cap
			}
			if !larger {
				t.Fatalf("no tensor is larger than the cap of %d bytes: nothing is split", c.cap)
			}
			want := runSplitCase(t, ops.NewCPU(), c)
			got := runSplitCase(t, g, c)
			for _, name := range c.check {
				if err := closeTo(got[name], want[name], 1e-4); err != nil {
					t.Errorf("%s: %s: %v", c.name, name, err)
				}
			}
		})
	}
}

func runSplitCase(t *testing.T, b ops.Backend, c splitCase) map[string][]float32 {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	ts := map[string]*ops.Tensor{}
	// Fill in a fixed order, so both backends get the same values.
	names := make([]string, 0, len(c.tensors))
	for name := range c.tensors {
		names = append(names, name)
	}
	sortStrings(names)
	for _, name := range names {
		x, err := b.Alloc(ops.F32, c.tensors[name])
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free(x)
		data := make([]float32, x.Numel())
		for i := range data {
			if v, ok := c.init[name]; ok {
				data[i] = v
			} else {
				data[i] = float32(rng.NormFloat64())
			}
		}
		if err := b.Upload(x, data); err != nil {
			t.Fatal(err)
		}
		ts[name] = x
	}
	if err := c.run(b, ts); err != nil {
		t.Fatalf("%s on %s: %v", c.name, b.Name(), err)
	}
	out := map[string][]float32{}
	for _, name := range c.check {
		v, err := b.Download(ts[name])
		if err != nil {
			t.Fatalf("%s on %s: download %s: %v", c.name, b.Name(), name, err)
		}
		out[name] = v
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func closeTo(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			return fmt.Errorf("[%d] = %v, want %v (and maybe more)", i, got[i], want[i])
		}
	}
	return nil
}

// A pooled buffer larger than one binding is zeroed in chunks when it is
// allocated again and read; an operation that is not split says so,
// naming the binding limit, when its tensor is larger than one binding
// (linear layers: their tensors are small in any network here);
// and a tensor larger than the device's largest buffer is refused by
// Alloc, naming the limit set.
func TestSplitZeroAndRefusals(t *testing.T) {
	g := splitBackend(t)
	g.testBindCap = 4 << 10
	defer func() { g.testBindCap = 0 }()
	x, err := g.Alloc(ops.F32, ops.Shape{5000})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Fill(x, 7); err != nil {
		t.Fatal(err)
	}
	g.Free(x)
	y, err := g.Alloc(ops.F32, ops.Shape{5000}) // the same pooled buffer
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free(y)
	v, err := g.Download(y)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range v {
		if e != 0 {
			t.Fatalf("a re-allocated 20,000-byte tensor (4 KiB bindings) has [%d] = %v, want zeros", i, e)
		}
	}
	in, _ := g.Alloc(ops.F32, ops.Shape{1, 2000})
	w, _ := g.Alloc(ops.F32, ops.Shape{3, 2000})
	out, _ := g.Alloc(ops.F32, ops.Shape{1, 3})
	defer g.Free(in)
	defer g.Free(w)
	defer g.Free(out)
	err = g.Linear(out, in, w, nil)
	if err == nil || !strings.Contains(err.Error(), "largest storage binding (4096 bytes") {
		t.Errorf("linear over 8,000 bytes with 4 KiB bindings: %v, want an error naming the binding limit", err)
	}
	g.testBindCap = 0
	_, err = g.Alloc(ops.F32, ops.Shape{64 << 20, 2}) // 512 MiB
	if err == nil || !strings.Contains(err.Error(), "largest buffer (268435456 bytes") || !strings.Contains(err.Error(), `"default" limits`) {
		t.Errorf("Alloc of 512 MiB under the default limits: %v", err)
	}
}
