package ops

import (
	"strings"
	"testing"
)

// TestPackBytes checks the store's byte order and the zero-filled tail.
func TestPackBytes(t *testing.T) {
	got := PackBytes([]uint8{1, 2, 3, 4, 0xff})
	if len(got) != 2 || uint32(got[0]) != 0x04030201 || got[1] != 0xff {
		t.Fatalf("PackBytes = %#x", got)
	}
	if dy, dx, flip := unpackDraw(GatherDraw(8, 3, true)); dy != 8 || dx != 3 || !flip {
		t.Fatalf("GatherDraw(8, 3, true) unpacks to %d, %d, %v", dy, dx, flip)
	}
}

// TestCheckGather checks that bad arguments are errors naming what is
// wrong, and that GatherImages returns them.
func TestCheckGather(t *testing.T) {
	c := NewCPU()
	alloc := func(dt DType, s ...int) *Tensor {
		x, err := c.Alloc(dt, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	spec := GatherSpec{Count: 3, C: 1, H: 4, W: 4, Pad: 2}
	dst, store, lut, smp := alloc(F32, 2, 1, 6, 6), alloc(I32, 12), alloc(F32, 1, 256), alloc(I32, 2, 2)
	if err := c.GatherImages(dst, store, lut, smp, spec); err != nil {
		t.Fatalf("good arguments: %v", err)
	}
	with := func(f func(*GatherSpec)) GatherSpec { s := spec; f(&s); return s }
	for _, tc := range []struct {
		name                string
		dst, store, lut, sm *Tensor
		spec                GatherSpec
		want                string
	}{
		{"no images", dst, store, lut, smp, with(func(s *GatherSpec) { s.Count = 0 }), "spec has 0 images"},
		{"pad", dst, store, lut, smp, with(func(s *GatherSpec) { s.Pad = 128 }), "crop padding 128"},
		{"huge", dst, store, lut, smp, with(func(s *GatherSpec) { s.Count = 1 << 30 }), "exceeds 2^32 bytes"},
		{"small dst", alloc(F32, 2, 1, 3, 6), store, lut, smp, spec, "want [N 1 >=4 >=4]"},
		{"store size", dst, alloc(I32, 11), lut, smp, spec, "images is i32[11], want i32[12]"},
		{"lut", dst, store, alloc(F32, 256), smp, spec, "lut"},
		{"samples", dst, store, lut, alloc(I32, 3, 2), spec, "samples is i32[3,2], want i32[2,2]"},
		{"nil", nil, store, lut, smp, spec, "dst is nil"},
	} {
		err := c.GatherImages(tc.dst, tc.store, tc.lut, tc.sm, tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
