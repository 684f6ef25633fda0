package gpu_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
)

// TestAllocRefusesImpossibleSizes: a shape whose size overflows, or that
// needs more than the device's largest buffer, is an *ops.Error
// naming the size, not a buffer of the wrapped-around size; and a tensor
// made by hand with such a shape reaches no shader.
func TestAllocRefusesImpossibleSizes(t *testing.T) {
	b := gputest.Backend(t)
	for _, c := range []struct {
		shape ops.Shape
		want  string
	}{
		{ops.Shape{1 << 32, 1 << 32}, "more elements than an int can count"},
		{ops.Shape{1<<62 + 1, 4}, "more elements than an int can count"}, // wraps to 4
		{ops.Shape{-1, 4}, "non-positive extent"},
		{ops.Shape{1 << 20, 1 << 20}, "more than the device's largest buffer"}, // 4 TiB
	} {
		x, err := b.Alloc(ops.F32, c.shape)
		var oe *ops.Error
		if x != nil || !errors.As(err, &oe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Alloc(f32, %v) = %v, %v; want an *ops.Error saying %q", c.shape, x, err, c.want)
		}
	}
	small, err := b.Alloc(ops.F32, ops.Shape{4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(small)
	hand := ops.NewTensor(b, ops.F32, ops.Shape{1<<62 + 1, 4}, small.Storage())
	if err := b.Fill(hand, 1); err == nil || !strings.Contains(err.Error(), "larger than its storage") {
		t.Errorf("Fill of a hand-made f32[2^62+1,4] on a 16-byte buffer: %v", err)
	}
	if err := b.Sync(); err != nil {
		t.Fatalf("the backend no longer works: %v", err)
	}
}
