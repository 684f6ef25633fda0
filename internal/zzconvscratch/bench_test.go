package zzconvscratch

import (
	"fmt"
	"testing"
	"time"

	"github.com/wgtrain/wgtrain/ops"
)

// resnet9 width-16 layers at batch 32 (and a linear).
func TestSpeed(t *testing.T) {
	b := backend(t, 0)
	for _, d := range []convDims{
		{N: 32, C: 3, H: 32, W: 32, O: 16, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 32, C: 16, H: 32, W: 32, O: 32, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 32, C: 32, H: 16, W: 16, O: 32, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 32, C: 64, H: 8, W: 8, O: 128, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 32, C: 128, H: 4, W: 4, O: 128, KH: 3, KW: 3, Stride: 1, Pad: 1},
	} {
		oh, ow := d.out()
		x := put(t, b, nil, d.N, d.C, d.H, d.W)
		w := put(t, b, nil, d.O, d.C, d.KH, d.KW)
		bias := put(t, b, nil, d.O)
		y := put(t, b, nil, d.N, d.O, oh, ow)
		dx := put(t, b, nil, d.N, d.C, d.H, d.W)
		dw := put(t, b, nil, d.O, d.C, d.KH, d.KW)
		s := ops.ConvSpec{Stride: d.Stride, Padding: d.Pad}
		flops := 2 * float64(d.N*oh*ow*d.O*d.C*d.KH*d.KW)
		for _, c := range []struct {
			name string
			f    func() error
		}{
			{"fwd", func() error { return b.Conv2D(y, x, w, bias, s) }},
			{"bwd_data", func() error { return b.Conv2DBackwardData(dx, y, w, s) }},
			{"bwd_filter", func() error { return b.Conv2DBackwardFilter(dw, bias, x, y, s) }},
		} {
			c.f()
			b.Sync()
			start := time.Now()
			const reps = 3
			for i := 0; i < reps; i++ {
				if err := c.f(); err != nil {
					t.Fatal(err)
				}
			}
			b.Sync()
			el := time.Since(start) / reps
			t.Logf("%-34s %-10s %7.1f ms %6.2f GFLOP/s", fmt.Sprintf("c%d %dx%d o%d n%d", d.C, d.H, d.W, d.O, d.N), c.name, el.Seconds()*1e3, flops/el.Seconds()/1e9)
		}
	}
}
