package ops

import "fmt"

// Future is a read-back that may still be in flight: Float32 or Int32
// (whichever matches the tensor's type) waits for the values.
type Future interface {
	// Float32 waits for and returns the values of an F32 tensor.
	Float32() ([]float32, error)
	// Int32 waits for and returns the values of an I32 tensor.
	Int32() ([]int32, error)
}

// AsyncBackend is implemented by backends that queue work (the WebGPU
// backend): ReadAsync records a read-back and returns at once, and Flush
// submits the queued work without waiting for it.
type AsyncBackend interface {
	Backend
	// ReadAsync records a read-back of t and returns without waiting.
	ReadAsync(t *Tensor) (Future, error)
	// Flush submits the queued work without waiting for it.
	Flush() error
}

// ReadAsync starts reading t back to the host: without waiting on an
// AsyncBackend, at once on any other backend.
func ReadAsync(b Backend, t *Tensor) (Future, error) {
	if a, ok := b.(AsyncBackend); ok {
		return a.ReadAsync(t)
	}
	if t == nil {
		return nil, nilErr("download", "t")
	}
	r := &ready{dtype: t.dtype}
	var err error
	if t.dtype == I32 {
		r.i, err = b.DownloadInt(t)
	} else {
		r.f, err = b.Download(t)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Submit hands queued work to the device without waiting, on an
// AsyncBackend; other backends have nothing queued.
func Submit(b Backend) error {
	if a, ok := b.(AsyncBackend); ok {
		return a.Flush()
	}
	return nil
}

// ready is a Future whose values are already on the host.
type ready struct {
	dtype DType
	f     []float32
	i     []int32
}

// Float32 returns the values of an F32 tensor.
func (r *ready) Float32() ([]float32, error) {
	if r.dtype != F32 {
		return nil, fmt.Errorf("ops: read-back of an %s tensor as f32", r.dtype)
	}
	return r.f, nil
}

// Int32 returns the values of an I32 tensor.
func (r *ready) Int32() ([]int32, error) {
	if r.dtype != I32 {
		return nil, fmt.Errorf("ops: read-back of an %s tensor as i32", r.dtype)
	}
	return r.i, nil
}
