package gpu_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/internal/gputest"
)

// A tensor freed while recorded work still reads it goes back to the pool
// at once; an upload into the next tensor given that buffer must not
// overtake the recorded read (the queue runs uploads before the recorded
// commands it has not been given yet).
func TestUploadIntoReusedBufferAfterRecordedRead(t *testing.T) {
	b := gputest.Backend(t)
	// 64 values fill a 256-byte buffer exactly, so the upload needs no
	// zeroing first (which would submit the recorded work anyway).
	const n = 64
	old, fresh := make([]float32, n), make([]float32, n)
	for i := range n {
		old[i], fresh[i] = float32(i), 9
	}
	a := alloc(t, b, old, n)
	dst := alloc(t, b, nil, n)
	defer b.Free(dst)
	if err := b.Fill(dst, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil { // a submission before, so that the next is not the first
		t.Fatal(err)
	}
	if err := b.Copy(dst, a); err != nil { // recorded, not submitted
		t.Fatal(err)
	}
	b.Free(a)
	reused := alloc(t, b, fresh, n) // takes a's buffer from the pool
	defer b.Free(reused)
	same(t, "the copy recorded before the upload", get(t, b, dst), old)
	same(t, "the upload", get(t, b, reused), fresh)
}
