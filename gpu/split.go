package gpu

import "fmt"

// Tensors larger than one storage binding. WebGPU caps a storage
// binding (128 MiB under the spec's default limits) below a buffer (256
// MiB): a tensor may lie in one buffer and still be too large to bind
// whole. The operations over a batch (convolutions, batch norm, max
// pooling) then run in chunks of images whose slices of every tensor fit
// one binding, each bound at its offset in the buffer (a multiple of the
// device's storage offset alignment): the shader sees a smaller batch.
// Element-wise operations (ReLU, add, scale, copy, fill, dropout, Adam,
// SGD, zeroing) run in chunks of elements. The reductions over the batch
// (batch norm statistics and gradients, the filter and bias gradients of
// a convolution) combine the chunks' partial results on the GPU. A
// tensor larger than one buffer is refused by Alloc, and an operation
// that is not split (losses, linear layers, argmax: their tensors are
// small in any network here) reports a binding too large.

// bindCap is the largest storage binding, in bytes: the device's limit,
// or the lower testBindCap that tests set to exercise the split paths on
// small shapes.
func (g *Backend) bindCap() uint64 {
	c := g.d.limits.MaxStorageBufferBindingSize
	if g.testBindCap > 0 {
		c = min(c, g.testBindCap)
	}
	return c &^ 255
}

// offsetAlign is the alignment of a storage binding's offset, in bytes.
func (g *Backend) offsetAlign() uint64 {
	return max(256, uint64(g.d.limits.MinStorageBufferOffsetAlignment))
}

// slice returns the binding of numel elements of b from element first.
func (b binding) slice(first, numel int) binding {
	es := uint64(4)
	if b.half {
		es = 2
	}
	b.off += es * uint64(first)
	b.size = bytesFor(es, numel)
	b.n = numel
	return b
}

// flatChunks calls f over [0, n) in ranges [first, first+count) whose
// bindings of 4-byte elements fit one binding and start aligned, for
// 4-byte and 2-byte elements alike: once, with all of it, when it fits.
func (g *Backend) flatChunks(n int, f func(first, count int) error) error {
	per := int(g.bindCap() / 4)
	if n <= per {
		return f(0, n)
	}
	per -= per % int(g.offsetAlign()/2)
	for first := 0; first < n; first += per {
		if err := f(first, min(per, n-first)); err != nil {
			return err
		}
	}
	return nil
}

// batchChunk returns how many of a batch's n images one dispatch takes:
// n when every tensor fits one binding whole; else the most images whose
// slices of every tensor (perImage[i] float32s per image each) fit one
// binding, a multiple of the count that keeps every slice's offset
// aligned. It is an error when not even that many fit.
func (g *Backend) batchChunk(op string, n int, perImage ...int) (int, error) {
	limit, align := g.bindCap(), g.offsetAlign()
	fits, per, granule := true, n, uint64(1)
	for _, e := range perImage {
		bytes := 4 * uint64(e)
		if bytes*uint64(n) > limit {
			fits = false
		}
		per = min(per, int(limit/bytes))
		// Offsets aligned for 2-byte (half.go) and 4-byte elements.
		q := align / gcd(bytes/2, align)
		granule = granule / gcd(granule, q) * q
	}
	if fits {
		return n, nil
	}
	per -= per % int(granule)
	if per < 1 {
		return 0, opErr(op, "%d images of the batch do not fit one storage binding of the device (%d bytes): the tensors are too large per image (%v float32s)", granule, limit, perImage)
	}
	return per, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// bindingTooLarge is the error of a dispatch whose binding exceeds the
// device's storage binding size.
func (g *Backend) bindingTooLarge(op string, size uint64) error {
	return fmt.Errorf("gpu: %s: a tensor of %d bytes is bound whole, more than the device's largest storage binding (%d bytes under the %q limits); this operation is not split into chunks: use a smaller batch", op, size, g.bindCap(), g.d.set)
}

// batchChunks calls f for each chunk [b0, b0+nb) of a batch of n images
// (see batchChunk): once, with the whole batch, when every tensor fits
// one binding.
func (g *Backend) batchChunks(op string, n int, perImage []int, f func(b0, nb int) error) error {
	per, err := g.batchChunk(op, n, perImage...)
	if err != nil {
		return err
	}
	for b0 := 0; b0 < n; b0 += per {
		if err := f(b0, min(per, n-b0)); err != nil {
			return err
		}
	}
	return nil
}
