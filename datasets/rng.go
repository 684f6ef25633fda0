package datasets

import (
	"math/bits"
	"math/rand/v2"
)

// The purposes random numbers are drawn for, so that each uses its own
// stream of the seed.
const (
	purposeShuffle uint64 = iota + 1
	purposeAugment
	purposeValid
	purposeLongTail
	purposeResizedCrop
)

// mix is SplitMix64's finalizer: a bijection that spreads every input
// bit over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hash64 combines values into one well-mixed word.
func hash64(vals ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, v := range vals {
		h = mix(h ^ v)
	}
	return h
}

// rng is a PCG generator (math/rand/v2 specifies its output, so it is the
// same on every Go release) with the bounded-int and shuffle algorithms
// written out here for the same reason.
type rng struct{ p *rand.PCG }

// newRNG returns the generator for a seed and a purpose-specific key.
func newRNG(seed uint64, key ...uint64) rng {
	k := append([]uint64{seed}, key...)
	return rng{rand.NewPCG(hash64(k...), hash64(append(k, 1)...))}
}

// intn returns a uniform int in [0, n), n > 0 (Lemire's method).
func (r rng) intn(n int) int {
	bound := uint64(n)
	threshold := -bound % bound
	for {
		hi, lo := bits.Mul64(r.p.Uint64(), bound)
		if lo >= threshold {
			return int(hi)
		}
	}
}

// shuffle permutes p uniformly (Fisher–Yates).
func (r rng) shuffle(p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
}
