package gpu

import (
	"errors"
	"runtime"
	"testing"
	"unsafe"

	"github.com/rajveermalviya/go-webgpu/wgpu"
	"github.com/wgtrain/wgtrain/internal/citest"
	"github.com/wgtrain/wgtrain/ops"
)

// callback.go reads the C handles out of go-webgpu's Buffer and Queue; a
// binding whose structs changed shape must fail here, not corrupt memory.
func TestCallbackLayout(t *testing.T) {
	if got, want := unsafe.Sizeof(wgpu.Buffer{}), unsafe.Sizeof(bufferRefs{}); got != want {
		t.Errorf("wgpu.Buffer is %d bytes, callback.go assumes %d (a device and a buffer handle)", got, want)
	}
	if got, want := unsafe.Sizeof(wgpu.Queue{}), unsafe.Sizeof(queueRefs{}); got != want {
		t.Errorf("wgpu.Queue is %d bytes, callback.go assumes %d (a device and a queue handle)", got, want)
	}
}

// Many read-backs in flight while the garbage collector runs and the heap
// is churned with small objects: each read-back must get its own values.
// Through go-webgpu's MapAsync, whose callback data lives in Go memory
// that nothing keeps, this read freed memory (it panicked on an H200).
func TestReadBacksSurviveGC(t *testing.T) {
	g, err := New(Options{})
	if errors.Is(err, ErrNoAdapter) {
		citest.Missing(t, "WebGPU", err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const n = 48
	var ps []*Pending
	var ts []*ops.Tensor
	for i := range n {
		x, err := g.Alloc(ops.F32, ops.Shape{3})
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
		if err := g.Fill(x, float32(i)); err != nil {
			t.Fatal(err)
		}
		p, err := g.DownloadAsync(x)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
		if i%8 == 7 {
			if err := g.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var keep [][]uintptr
	for range 4 {
		runtime.GC()
		for j := range 20000 {
			keep = append(keep, []uintptr{uintptr(j) | 0x55550000})
		}
		keep = keep[:0]
	}
	for i, p := range ps {
		v, err := p.Float32()
		if err != nil {
			t.Fatalf("read-back %d: %v", i, err)
		}
		for _, x := range v {
			if x != float32(i) {
				t.Fatalf("read-back %d = %v, want all %d", i, v, i)
			}
		}
	}
	for _, x := range ts {
		g.Free(x)
	}
}
