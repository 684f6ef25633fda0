package ops

import (
	"runtime"
	"sync"
	"weak"
)

// cpuPool recycles the storage of freed CPU tensors, so that a training
// step that allocates its activations and frees them at the end of the
// step allocates nothing once the pool holds one step's worth.
//
// Only a handle returned by Alloc can give its storage back, and only once:
// live records those handles through weak pointers (so that a tensor that
// is never freed is still reclaimed by the garbage collector, which also
// drops its record), and Free removes the record before it pools the
// storage. A view made by Reshape is a different handle, so freeing it
// frees nothing, and a second Free of the same handle finds no record.
type cpuPool struct {
	mu   sync.Mutex
	live map[weak.Pointer[Tensor]]struct{}
	f32  map[int][][]float32 // free storage by exact length
	i32  map[int][][]int32
}

// take returns pooled storage of exactly n elements of type dt, or nil.
// The storage is not cleared.
func (p *cpuPool) take(dt DType, n int) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch dt {
	case F32:
		if s, ok := popFree(p.f32, n); ok {
			return s
		}
	case I32:
		if s, ok := popFree(p.i32, n); ok {
			return s
		}
	}
	return nil
}

// popFree removes and returns the last free slice of length n in free.
func popFree[T any](free map[int][][]T, n int) ([]T, bool) {
	l := free[n]
	if len(l) == 0 {
		return nil, false
	}
	s := l[len(l)-1]
	l[len(l)-1] = nil
	free[n] = l[:len(l)-1]
	return s, true
}

// track records t as a handle whose storage Free may pool.
func (p *cpuPool) track(t *Tensor) {
	w := weak.Make(t)
	p.mu.Lock()
	if p.live == nil {
		p.live = map[weak.Pointer[Tensor]]struct{}{}
	}
	p.live[w] = struct{}{}
	p.mu.Unlock()
	runtime.AddCleanup(t, p.forget, w)
}

// forget drops the record of a handle the garbage collector reclaimed.
func (p *cpuPool) forget(w weak.Pointer[Tensor]) {
	p.mu.Lock()
	delete(p.live, w)
	p.mu.Unlock()
}

// give pools t's storage if t is a live handle made by Alloc, and makes
// it no longer live; anything else (a view, a second Free) is ignored.
func (p *cpuPool) give(t *Tensor) {
	w := weak.Make(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.live[w]; !ok {
		return
	}
	delete(p.live, w)
	switch s := t.storage.(type) {
	case []float32:
		pushFree(&p.f32, s)
	case []int32:
		pushFree(&p.i32, s)
	}
}

// pushFree adds s to the free slices of its length in *free, making the map
// on first use.
func pushFree[T any](free *map[int][][]T, s []T) {
	if *free == nil {
		*free = map[int][][]T{}
	}
	(*free)[len(s)] = append((*free)[len(s)], s)
}

// clearF32 zero-fills d, on every core when it is large.
func (c *CPU) clearF32(d []float32) {
	dispatch(c, &c.jobs.fill, fillJob{d: d}, len(d), c.elemChunk(len(d)))
}
