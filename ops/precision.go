package ops

// ActBackend is implemented by a backend that can store activations and
// their gradients in a narrower type than float32 (the WebGPU backend's
// --precision f16). The tensors it returns are F32 tensors to every
// operation and to Upload and Download; only their storage differs.
// Parameters, their gradients, optimizer state, logits and losses are
// allocated with Alloc and stay float32.
type ActBackend interface {
	Backend
	// AllocAct returns a zero-filled tensor for an activation or the
	// gradient of one.
	AllocAct(shape Shape) (*Tensor, error)
	// HalfActs reports whether AllocAct stores narrower than float32.
	HalfActs() bool
	// HalfStorage reports whether t is stored narrower than float32.
	HalfStorage(t *Tensor) bool
}

// AllocAct returns b.AllocAct(shape) when b is an ActBackend, else
// b.Alloc(F32, shape).
func AllocAct(b Backend, shape Shape) (*Tensor, error) {
	if a, ok := b.(ActBackend); ok {
		return a.AllocAct(shape)
	}
	return b.Alloc(F32, shape)
}

// HalfStorage reports whether t's backend stores it narrower than
// float32 (see ActBackend); false on a backend that is not one.
func HalfStorage(t *Tensor) bool {
	if t == nil {
		return false
	}
	a, ok := t.Owner().(ActBackend)
	return ok && a.HalfStorage(t)
}
