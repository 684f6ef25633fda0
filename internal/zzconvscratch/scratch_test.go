package zzconvscratch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/ops"
)

func uni(r *rand.Rand, n int, lo, hi float64) ([]float32, []float64) {
	a, b := make([]float32, n), make([]float64, n)
	for i := range a {
		a[i] = float32(lo + (hi-lo)*r.Float64())
		b[i] = float64(a[i])
	}
	return a, b
}

func put(t *testing.T, b ops.Backend, data []float32, shape ...int) *ops.Tensor {
	x, err := b.Alloc(ops.F32, ops.Shape(shape))
	if err != nil {
		t.Fatal(err)
	}
	if data != nil {
		if err := b.Upload(x, data); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func check(t *testing.T, what string, b ops.Backend, x *ops.Tensor, want []float64) {
	t.Helper()
	got, err := b.Download(x)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		lim := math.Max(1e-5*math.Abs(float64(got[i])+want[i]), 1e-5)
		worst = math.Max(worst, d/lim)
	}
	if i, ok := conformance.Close(got, want, conformance.ReferenceTol); !ok {
		t.Errorf("%s: element %d got %g want %g", what, i, got[i], want[i])
	}
	t.Logf("%s: worst %.3f of tolerance", what, worst)
}

var backends = map[string]*gpu.Backend{}

func backend(t *testing.T, flops float64) *gpu.Backend {
	key := fmt.Sprint(flops)
	if b, ok := backends[key]; ok {
		return b
	}
	b, err := gpu.New(gpu.Options{SubmitFLOPs: flops})
	if err != nil {
		t.Skip(err)
	}
	backends[key] = b
	return b
}

func TestConvBig(t *testing.T) {
	for _, c := range []struct {
		d     convDims
		flops float64
	}{
		{convDims{N: 32, C: 8, H: 32, W: 32, O: 16, KH: 3, KW: 3, Stride: 1, Pad: 1}, 0},
		{convDims{N: 1, C: 64, H: 4, W: 4, O: 8, KH: 3, KW: 3, Stride: 1, Pad: 1}, 0},
		{convDims{N: 3, C: 5, H: 37, W: 29, O: 70, KH: 3, KW: 3, Stride: 2, Pad: 1}, 1e6},
		{convDims{N: 2, C: 130, H: 9, W: 9, O: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}, 0},
		{convDims{N: 5, C: 3, H: 20, W: 20, O: 200, KH: 5, KW: 5, Stride: 3, Pad: 2}, 3e5},
	} {
		d := c.d
		t.Run(fmt.Sprintf("%+v_%g", d, c.flops), func(t *testing.T) {
			b := backend(t, c.flops)
			r := rand.New(rand.NewPCG(1, 2))
			oh, ow := d.out()
			bound := 1 / math.Sqrt(float64(d.C*d.KH*d.KW))
			xf, xd := uni(r, d.N*d.C*d.H*d.W, -1, 1)
			wf, wd := uni(r, d.O*d.C*d.KH*d.KW, -bound, bound)
			bf, bd := uni(r, d.O, -bound, bound)
			gf, gd := uni(r, d.N*d.O*oh*ow, -1, 1)
			x := put(t, b, xf, d.N, d.C, d.H, d.W)
			w := put(t, b, wf, d.O, d.C, d.KH, d.KW)
			bias := put(t, b, bf, d.O)
			dy := put(t, b, gf, d.N, d.O, oh, ow)
			y := put(t, b, nil, d.N, d.O, oh, ow)
			dx := put(t, b, nil, d.N, d.C, d.H, d.W)
			dw := put(t, b, nil, d.O, d.C, d.KH, d.KW)
			db := put(t, b, nil, d.O)
			s := ops.ConvSpec{Stride: d.Stride, Padding: d.Pad}
			start := time.Now()
			if err := b.Conv2D(y, x, w, bias, s); err != nil {
				t.Fatal(err)
			}
			if err := b.Conv2DBackwardData(dx, dy, w, s); err != nil {
				t.Fatal(err)
			}
			if err := b.Conv2DBackwardFilter(dw, db, x, dy, s); err != nil {
				t.Fatal(err)
			}
			if err := b.Sync(); err != nil {
				t.Fatal(err)
			}
			t.Logf("gpu time %v", time.Since(start))
			check(t, "y", b, y, refConv2D(d, xd, wd, bd))
			rx, rw, rb := refConv2DBackward(d, xd, wd, gd)
			check(t, "dx", b, dx, rx)
			check(t, "dw", b, dw, rw)
			check(t, "db", b, db, rb)
		})
	}
}

func TestLinearBig(t *testing.T) {
	for _, c := range [][3]int{{300, 7, 9}, {1024, 64, 10}, {16, 1000, 300}, {1, 513, 2}} {
		n, in, out := c[0], c[1], c[2]
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			b := backend(t, 0)
			r := rand.New(rand.NewPCG(3, 4))
			bound := 1 / math.Sqrt(float64(in))
			xf, xd := uni(r, n*in, -1, 1)
			wf, wd := uni(r, out*in, -bound, bound)
			bf, bd := uni(r, out, -bound, bound)
			gf, gd := uni(r, n*out, -1, 1)
			x, w, bias, dy := put(t, b, xf, n, in), put(t, b, wf, out, in), put(t, b, bf, out), put(t, b, gf, n, out)
			y, dx, dw, db := put(t, b, nil, n, out), put(t, b, nil, n, in), put(t, b, nil, out, in), put(t, b, nil, out)
			if err := b.Linear(y, x, w, bias); err != nil {
				t.Fatal(err)
			}
			if err := b.LinearBackward(dx, dw, db, x, w, dy); err != nil {
				t.Fatal(err)
			}
			check(t, "y", b, y, refLinear(n, in, out, xd, wd, bd))
			rx, rw, rb := refLinearBackward(n, in, out, xd, wd, gd)
			check(t, "dx", b, dx, rx)
			check(t, "dw", b, dw, rw)
			check(t, "db", b, db, rb)
		})
	}
}

func TestCPUBig(t *testing.T) {
	d := convDims{N: 32, C: 8, H: 32, W: 32, O: 16, KH: 3, KW: 3, Stride: 1, Pad: 1}
	b := ops.NewCPU()
	r := rand.New(rand.NewPCG(1, 2))
	oh, ow := d.out()
	bound := 1 / math.Sqrt(float64(d.C*d.KH*d.KW))
	xf, xd := uni(r, d.N*d.C*d.H*d.W, -1, 1)
	wf, wd := uni(r, d.O*d.C*d.KH*d.KW, -bound, bound)
	_, _ = uni(r, d.O, -bound, bound)
	gf, gd := uni(r, d.N*d.O*oh*ow, -1, 1)
	_ = wf
	x := put(t, b, xf, d.N, d.C, d.H, d.W)
	dy := put(t, b, gf, d.N, d.O, oh, ow)
	dw := put(t, b, nil, d.O, d.C, d.KH, d.KW)
	db := put(t, b, nil, d.O)
	s := ops.ConvSpec{Stride: d.Stride, Padding: d.Pad}
	if err := b.Conv2DBackwardFilter(dw, db, x, dy, s); err != nil {
		t.Fatal(err)
	}
	_, rw, rb := refConv2DBackward(d, xd, wd, gd)
	check(t, "cpu dw", b, dw, rw)
	check(t, "cpu db", b, db, rb)
}
