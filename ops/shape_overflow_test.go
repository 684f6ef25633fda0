package ops_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

func TestNumelChecked(t *testing.T) {
	for _, c := range []struct {
		shape ops.Shape
		want  int
		err   string
	}{
		{nil, 1, ""},
		{ops.Shape{3, 4}, 12, ""},
		{ops.Shape{5, 0, 1 << 62, 1 << 62}, 0, ""},
		{ops.Shape{math.MaxInt}, math.MaxInt, ""},
		{ops.Shape{1 << 31, 1 << 31}, 1 << 62, ""},
		{ops.Shape{1 << 31, 1 << 31, 2}, 0, "more elements than an int can count"},
		{ops.Shape{-1, 4}, 0, "negative extent"},
		{ops.Shape{1 << 32, 1 << 32}, 0, "more elements than an int can count"},
		{ops.Shape{1<<62 + 1, 4}, 0, "more elements than an int can count"}, // wraps to 4
		{ops.Shape{math.MaxInt, 2}, 0, "more elements"},
	} {
		n, err := c.shape.NumelChecked()
		if c.err == "" {
			if err != nil || n != c.want {
				t.Errorf("NumelChecked(%v) = %d, %v; want %d", c.shape, n, err, c.want)
			}
			continue
		}
		var oe *ops.Error
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("NumelChecked(%v) = %d, %v; want an *ops.Error saying %q", c.shape, n, err, c.err)
		}
	}
}

// TestCPUAllocRefusesImpossibleSizes: shapes whose size overflows, or
// that exceed the machine's memory, are errors, not a tensor without
// storage (whose use once panicked in a worker goroutine) nor a crash of
// the runtime; nothing is allocated for them.
func TestCPUAllocRefusesImpossibleSizes(t *testing.T) {
	b := ops.NewCPU()
	for _, c := range []struct {
		shape ops.Shape
		want  string
	}{
		{ops.Shape{1 << 32, 1 << 32}, "more elements than an int can count"},
		{ops.Shape{1<<62 + 1, 4}, "more elements than an int can count"},
		{ops.Shape{-3, 2}, "non-positive extent"},
		{ops.Shape{0}, "non-positive extent"},
		{ops.Shape{1 << 30, 1 << 30}, "bytes of memory of this machine"}, // 4 EiB
		{ops.Shape{int(ops.CPUMemoryLimit()/4) + 1}, "bytes of memory of this machine"},
	} {
		for _, dt := range []ops.DType{ops.F32, ops.I32} {
			x, err := b.Alloc(dt, c.shape)
			if x != nil || err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "ops: alloc: ") {
				t.Errorf("Alloc(%s, %v) = %v, %v; want an error saying %q", dt, c.shape, x, err, c.want)
			}
		}
	}

	// Below the limit, a tensor at the limit is fine and one past it is not.
	ops.SetCPUMemoryLimit(t, 4096)
	if x, err := b.Alloc(ops.F32, ops.Shape{32, 32}); err != nil || x.Numel() != 1024 {
		t.Fatalf("Alloc of exactly the limit: %v, %v", x, err)
	}
	if _, err := b.Alloc(ops.F32, ops.Shape{1025}); err == nil || !strings.Contains(err.Error(), "4100 bytes, more than the 4096 bytes") {
		t.Fatalf("Alloc past the limit: %v", err)
	}
}

// TestOverflowingTensorIsRefused: a tensor made by hand (NewTensor) with
// an overflowing shape, or a view of one (Reshape), reaches no kernel.
func TestOverflowingTensorIsRefused(t *testing.T) {
	b := ops.NewCPU()
	hand := ops.NewTensor(b, ops.F32, ops.Shape{1 << 32, 1 << 32}, []float32{})
	x := ops.NewTensor(b, ops.F32, ops.Shape{1 << 32, 1 << 32}, []float32{})
	w := ops.NewTensor(b, ops.F32, ops.Shape{3, 1 << 32}, make([]float32, 12))
	y := ops.NewTensor(b, ops.F32, ops.Shape{1 << 32, 3}, make([]float32, 3))
	if err := b.Linear(y, x, w, nil); err == nil {
		t.Error("Linear accepted an input of 2^64 elements with no storage")
	}
	if err := b.Fill(hand, 1); err == nil || !strings.Contains(err.Error(), "more elements than an int can count") {
		t.Errorf("Fill of a tensor of 2^64 elements: %v", err)
	}
	if err := b.ReLU(hand, hand); err == nil {
		t.Error("ReLU accepted a tensor of 2^64 elements with no storage")
	}
	four, _ := b.Alloc(ops.F32, ops.Shape{4})
	// (2^62+1)*4 wraps around to 4, the numel of four.
	if v, err := ops.Reshape(four, ops.Shape{1<<62 + 1, 4}); err == nil {
		t.Errorf("Reshape of f32[4] as [2^62+1,4] gave %v", v)
	}
}

// TestConvPaddingBounded: a padding as large as the kernel only adds
// windows of zeros; with a stride to match, a tiny convolution would ask
// for a padded image of terabytes. It is an error on every backend.
func TestConvPaddingBounded(t *testing.T) {
	b := ops.NewCPU()
	x, _ := b.Alloc(ops.F32, ops.Shape{1, 1, 1, 1})
	w, _ := b.Alloc(ops.F32, ops.Shape{1, 1, 1, 1})
	y, _ := b.Alloc(ops.F32, ops.Shape{1, 1, 2, 2})
	s := ops.ConvSpec{Stride: 1 << 21, Padding: 1 << 20} // (1+2^21-1)/2^21+1 = 2 outputs a side
	if err := b.Conv2D(y, x, w, nil, s); err == nil || !strings.Contains(err.Error(), "padding 1048576: want less than the kernel's 1x1") {
		t.Errorf("Conv2D with padding 2^20: %v", err)
	}
	if err := b.Conv2DBackwardData(x, y, w, s); err == nil {
		t.Error("Conv2DBackwardData with padding 2^20 succeeded")
	}
	if err := b.Conv2DBackwardFilter(w, nil, x, y, s); err == nil {
		t.Error("Conv2DBackwardFilter with padding 2^20 succeeded")
	}
}
