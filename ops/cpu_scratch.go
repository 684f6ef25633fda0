package ops

import "sync"

// scratchBuf is a reusable buffer. Buffers live on a free list that,
// unlike a sync.Pool, the garbage collector does not empty, so that
// steady-state training steps do not allocate; the list holds at most as
// many buffers as were ever in use at once, each as large as the largest
// request it served. The list holds pointers, so handing a buffer back
// allocates nothing.
type scratchBuf[T float32 | float64] struct{ buf []T }

// freeList is a free list of scratch buffers, safe for concurrent use.
type freeList[T float32 | float64] struct {
	mu   sync.Mutex
	list []*scratchBuf[T]
}

// get returns a buffer of n elements with unspecified contents,
// preferring the smallest free buffer that holds n, else growing the
// largest one.
func (f *freeList[T]) get(n int) *scratchBuf[T] {
	f.mu.Lock()
	best := -1
	for i, s := range f.list {
		switch {
		case best < 0:
			best = i
		case cap(s.buf) >= n && (cap(f.list[best].buf) < n || cap(s.buf) < cap(f.list[best].buf)):
			best = i
		case cap(f.list[best].buf) < n && cap(s.buf) > cap(f.list[best].buf):
			best = i
		}
	}
	var s *scratchBuf[T]
	if best >= 0 {
		s = f.list[best]
		last := len(f.list) - 1
		f.list[best] = f.list[last]
		f.list[last] = nil
		f.list = f.list[:last]
	} else {
		s = new(scratchBuf[T])
	}
	f.mu.Unlock()
	if cap(s.buf) < n {
		s.buf = make([]T, n)
	}
	s.buf = s.buf[:n]
	return s
}

// put returns s to the free list.
func (f *freeList[T]) put(s *scratchBuf[T]) {
	f.mu.Lock()
	f.list = append(f.list, s)
	f.mu.Unlock()
}

// scratch is the float32 scratch buffer of the matrix products and
// convolutions.
type scratch = scratchBuf[float32]

// f32Scratch is the free list of float32 scratch.
var f32Scratch freeList[float32]

// getScratch returns a float32 buffer of n elements with unspecified
// contents.
func getScratch(n int) *scratch { return f32Scratch.get(n) }

// putScratch hands s back for a later getScratch.
func putScratch(s *scratch) { f32Scratch.put(s) }

// f64Scratch holds the float64 scratch of the batch-norm kernels (partial
// sums and per-channel factors), so that a training step does not
// allocate it anew for every layer.
var f64Scratch freeList[float64]

// getF64 returns scratch of n float64s with unspecified contents.
func getF64(n int) *scratchBuf[float64] { return f64Scratch.get(n) }

// putF64 hands scratch back for a later getF64.
func putF64(s *scratchBuf[float64]) { f64Scratch.put(s) }
