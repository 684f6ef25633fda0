package ops

import "math"

// DropoutSpec selects the drop probability and the mask: the same Seed,
// Step and element index give the same keep decision on every backend.
type DropoutSpec struct {
	P    float32 // drop probability, in [0, 1)
	Seed uint32  // the run's dropout seed
	Step uint32  // the step counter, folded with Seed into the mask's key
}

// mix32 is a 32-bit integer finalizer (Wellons' lowbias32): every output
// bit depends on every input bit. It uses only 32-bit multiplies, shifts
// and xors, so WGSL computes it exactly as Go does.
func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// DropoutStepKey folds a seed and a step counter into the per-step key
// that DropoutHash combines with each element index.
func DropoutStepKey(seed, step uint32) uint32 {
	return mix32(mix32(seed^0x9e3779b9) ^ step)
}

// DropoutHash is the counter-based generator behind every dropout mask:
// a hash of (seed, step, element index), so that any backend, in any
// order, on any number of threads, draws the same mask.
func DropoutHash(seed, step, index uint32) uint32 {
	return mix32(DropoutStepKey(seed, step) ^ index)
}

// DropoutThreshold converts a drop probability into the 24-bit integer
// threshold that DropoutKeep compares against: an element is kept when
// the top 24 bits of its hash are at least the threshold, which happens
// with probability 1-p to within 2^-24.
func DropoutThreshold(p float32) uint32 {
	return uint32(math.Round(float64(p) * (1 << 24)))
}

// DropoutKeep reports whether the element with hash h survives dropout
// with the given threshold.
func DropoutKeep(h, threshold uint32) bool { return h>>8 >= threshold }

// DropoutScale is the factor 1/(1-p) applied to kept elements, computed
// once in float32 so that every backend multiplies by the same value.
func DropoutScale(p float32) float32 { return 1 / (1 - p) }

// CheckDropout validates a dropout probability and shapes.
func CheckDropout(op string, x, y *Tensor, s DropoutSpec) error {
	if err := CheckSame(op, []string{"x", "y"}, x, y); err != nil {
		return err
	}
	if !(s.P >= 0 && s.P < 1) {
		return errf(op, "p = %g: want 0 <= p < 1", s.P)
	}
	if uint64(x.Numel()) > math.MaxUint32 {
		return errf(op, "x %s has more elements than the mask counter can index", x)
	}
	return nil
}
