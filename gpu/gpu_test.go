package gpu_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/gputest"
	"github.com/wgtrain/wgtrain/ops"
)

func alloc(t *testing.T, b ops.Backend, data []float32, shape ...int) *ops.Tensor {
	t.Helper()
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

func get(t *testing.T, b ops.Backend, x *ops.Tensor) []float32 {
	t.Helper()
	v, err := b.Download(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func same(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s[%d] = %v, want %v (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

// An adapter filter that matches nothing yields ErrNoAdapter with the list
// of adapters found, which is what a user with a broken driver reads.
func TestNoMatchingAdapter(t *testing.T) {
	gputest.Backend(t) // skip (or fail under CI) where there is no adapter at all
	_, err := gpu.New(gpu.Options{Adapter: "no-such-adapter"})
	if !errors.Is(err, gpu.ErrNoAdapter) {
		t.Fatalf("New with a filter matching nothing: %v, want ErrNoAdapter", err)
	}
	found := gpu.Adapters()
	if len(found) == 0 || !strings.Contains(err.Error(), found[0].Name) || !strings.Contains(err.Error(), `"no-such-adapter"`) {
		t.Fatalf("error %q does not list the adapters found (%v) and the filter", err, found)
	}
}

func TestSelect(t *testing.T) {
	var log bytes.Buffer
	b, done, err := gpu.Select("auto", gpu.Options{Adapter: "no-such-adapter"}, &log)
	if err != nil || b.Name() != "cpu" {
		t.Fatalf("auto without a usable adapter: %v, %v; want the CPU backend", b, err)
	}
	done()
	if lines := strings.Count(log.String(), "\n"); lines != 1 || !strings.Contains(log.String(), "CPU backend") {
		t.Fatalf("auto fallback printed %q, want one line naming the CPU backend", log.String())
	}
	if _, _, err := gpu.Select("webgpu", gpu.Options{Adapter: "no-such-adapter"}, nil); !errors.Is(err, gpu.ErrNoAdapter) {
		t.Fatalf("webgpu without a usable adapter: %v, want ErrNoAdapter", err)
	}
	if _, _, err := gpu.Select("cuda", gpu.Options{}, nil); err == nil || !strings.Contains(err.Error(), `"cuda"`) {
		t.Fatalf("unknown backend: %v", err)
	}
}

// An upload must not reach work recorded before it.
func TestUploadAfterRecordedRead(t *testing.T) {
	b := gputest.Backend(t)
	x := alloc(t, b, []float32{1, 2, 3}, 3)
	y := alloc(t, b, nil, 3)
	defer b.Free(x)
	defer b.Free(y)
	if err := b.Scale(y, x, 2); err != nil {
		t.Fatal(err)
	}
	if err := b.Upload(x, []float32{10, 20, 30}); err != nil {
		t.Fatal(err)
	}
	same(t, "y", get(t, b, y), []float32{2, 4, 6})
	same(t, "x", get(t, b, x), []float32{10, 20, 30})
}

// Pooled buffers come back zero-filled; a view shares its tensor's storage
// and freeing it frees nothing; a freed tensor is an error to use.
func TestPoolAndViews(t *testing.T) {
	b := gputest.Backend(t)
	x := alloc(t, b, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	v, err := ops.Reshape(x, ops.Shape{6})
	if err != nil {
		t.Fatal(err)
	}
	b.Free(v)
	same(t, "x after freeing its view", get(t, b, x), []float32{1, 2, 3, 4, 5, 6})
	b.Free(x)
	b.Free(x) // a second Free is harmless
	if err := b.Fill(x, 1); err == nil || !strings.Contains(err.Error(), "after Free") {
		t.Fatalf("Fill on a freed tensor: %v", err)
	}
	if _, err := b.Download(v); err == nil {
		t.Fatal("Download of a view of a freed tensor succeeded")
	}
	y := alloc(t, b, nil, 3, 2) // same size: reuses x's buffer
	defer b.Free(y)
	same(t, "reused buffer", get(t, b, y), make([]float32, 6))
	z := alloc(t, b, nil, 7)
	defer b.Free(z)
	if err := b.Add(z, z, z); err != nil {
		t.Fatal(err)
	}
	same(t, "fresh buffer", get(t, b, z), make([]float32, 7))
}

func TestDownloadAsync(t *testing.T) {
	b := gputest.Backend(t)
	x := alloc(t, b, nil, 5)
	defer b.Free(x)
	if err := b.Fill(x, 3); err != nil {
		t.Fatal(err)
	}
	p, err := b.DownloadAsync(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	// Work recorded after the read must not change what it returns.
	if err := b.Fill(x, 4); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	v, err := p.Float32()
	if err != nil {
		t.Fatal(err)
	}
	same(t, "async read", v, []float32{3, 3, 3, 3, 3})
	if !p.Ready() {
		t.Fatal("Ready is false after the values arrived")
	}
	same(t, "later read", get(t, b, x), []float32{4, 4, 4, 4, 4})
}

// A tiny per-submission budget splits the work into many submissions
// without changing the result.
func TestSubmitBudget(t *testing.T) {
	gputest.Backend(t)
	b, err := gpu.New(gpu.Options{SubmitFLOPs: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	x := alloc(t, b, []float32{1, 2, 3, 4}, 4)
	for range 20 {
		if err := b.Add(x, x, x); err != nil {
			t.Fatal(err)
		}
	}
	same(t, "x", get(t, b, x), []float32{1 << 20, 2 << 20, 3 << 20, 4 << 20})
}

// auto never picks a software adapter; webgpu does.
func TestSelectSkipsSoftwareAdapters(t *testing.T) {
	g := gputest.Backend(t)
	if g.Adapter().Type != "CPU" {
		t.Skipf("the adapter here is hardware: %s", g.Adapter())
	}
	var log bytes.Buffer
	b, done, err := gpu.Select("auto", gpu.Options{}, &log)
	if err != nil || b.Name() != "cpu" || !strings.Contains(log.String(), "software") {
		t.Fatalf("auto with only %s: %v, %v, %q; want the CPU backend and a line saying why", g.Adapter(), b, err, log.String())
	}
	done()
	b, done, err = gpu.Select("webgpu", gpu.Options{}, nil)
	if err != nil || b.Name() != "webgpu" {
		t.Fatalf("webgpu with only %s: %v, %v", g.Adapter(), b, err)
	}
	done()
}

// Tensors of another backend are rejected with the operation's name.
func TestForeignTensor(t *testing.T) {
	b := gputest.Backend(t)
	c := ops.NewCPU()
	x, _ := c.Alloc(ops.F32, ops.Shape{2})
	y := alloc(t, b, nil, 2)
	defer b.Free(y)
	var oe *ops.Error
	if err := b.Copy(y, x); !errors.As(err, &oe) || oe.Op != "copy" || !strings.Contains(err.Error(), "another backend") {
		t.Fatalf("Copy from a CPU tensor: %v", err)
	}
}
