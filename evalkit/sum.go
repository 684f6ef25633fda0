package evalkit

import (
	"fmt"
	"math"
	"math/big"
)

// Sum adds float64 values exactly, for loss sums that several ranks
// combine: it holds the sum of the finite values fed as an integer number
// of 2^-1074 (every finite float64 is one), so that neither the order of
// the values nor their grouping into ranks changes it, and Value rounds
// it once, to the nearest float64. Summing the same values in any order,
// on one rank or on several whose Words are merged, gives the same Value
// bit for bit. Infinities and NaNs are counted apart: Value is NaN after
// a NaN or after both infinities, else the infinity fed. The zero value is
// an empty sum. A Sum holds fewer than 2^63 values. Copy one by merging it
// into an empty Sum: an assigned copy shares its big.Int's words.
type Sum struct {
	fixed               big.Int // the finite values' sum in units of 2^-1074
	nan, posInf, negInf int64
}

// sumMagWords is the number of 64-bit words of Words' magnitude: a finite
// float64 is below 2^1024, 2^2098 units, and fewer than 2^63 of them sum
// below 2^2161 units, which 34 words hold.
const sumMagWords = 34

// SumWordsLen is the length of Words: a sign, the NaN, +Inf and -Inf
// counts, and the magnitude's words.
const SumWordsLen = 4 + sumMagWords

// Add adds x to the sum.
func (s *Sum) Add(x float64) {
	switch {
	case math.IsNaN(x):
		s.nan++
		return
	case math.IsInf(x, 1):
		s.posInf++
		return
	case math.IsInf(x, -1):
		s.negInf++
		return
	}
	b := math.Float64bits(x)
	e := int(b>>52) & 0x7ff
	m := b & (1<<52 - 1)
	if e == 0 {
		e = 1 // subnormal: m units of 2^-1074
	} else {
		m |= 1 << 52
	}
	var v big.Int
	v.Lsh(v.SetUint64(m), uint(e-1)) // x = m·2^(e-1075) = m·2^(e-1) units
	if b>>63 != 0 {
		s.fixed.Sub(&s.fixed, &v)
	} else {
		s.fixed.Add(&s.fixed, &v)
	}
}

// Merge adds o's values to s; o is unchanged, and a nil o adds nothing.
func (s *Sum) Merge(o *Sum) {
	if o == nil {
		return
	}
	s.fixed.Add(&s.fixed, &o.fixed)
	s.nan += o.nan
	s.posInf += o.posInf
	s.negInf += o.negInf
}

// Value returns the sum rounded to the nearest float64 (ties to even),
// ±Inf when it overflows.
func (s *Sum) Value() float64 {
	switch {
	case s.nan > 0 || (s.posInf > 0 && s.negInf > 0):
		return math.NaN()
	case s.posInf > 0:
		return math.Inf(1)
	case s.negInf > 0:
		return math.Inf(-1)
	}
	var f big.Float
	f.SetInt(&s.fixed) // exact: the precision grows to the integer's bits
	f.SetMantExp(&f, -1074)
	v, _ := f.Float64()
	return v
}

// Words returns the sum as SumWordsLen int64 values, the same length on
// every rank, for an all-gather to carry (SumFromWords reads them back):
// the sign of the finite part (-1, 0 or 1), the NaN, +Inf and -Inf
// counts, then the magnitude in units of 2^-1074 as 64-bit words, least
// significant first.
func (s *Sum) Words() []int64 {
	out := make([]int64, SumWordsLen)
	out[0] = int64(s.fixed.Sign())
	out[1], out[2], out[3] = s.nan, s.posInf, s.negInf
	var mag big.Int
	mag.Abs(&s.fixed)
	mask := new(big.Int).SetUint64(math.MaxUint64)
	var w big.Int
	for i := range sumMagWords {
		out[4+i] = int64(w.And(&mag, mask).Uint64())
		mag.Rsh(&mag, 64)
	}
	return out
}

// SumFromWords returns the sum that Words wrote, or an *InputError for a
// buffer of another length, a sign outside {-1, 0, 1} or not matching the
// magnitude, or a negative count.
func SumFromWords(words []int64) (*Sum, error) {
	if len(words) != SumWordsLen {
		return nil, &InputError{"SumFromWords", fmt.Sprintf("%d words: want %d", len(words), SumWordsLen)}
	}
	sign := words[0]
	if sign < -1 || sign > 1 || words[1] < 0 || words[2] < 0 || words[3] < 0 {
		return nil, &InputError{"SumFromWords", fmt.Sprintf("sign %d and counts %v", sign, words[1:4])}
	}
	s := &Sum{nan: words[1], posInf: words[2], negInf: words[3]}
	var w big.Int
	for i := sumMagWords - 1; i >= 0; i-- {
		s.fixed.Lsh(&s.fixed, 64)
		s.fixed.Or(&s.fixed, w.SetUint64(uint64(words[4+i])))
	}
	if (s.fixed.Sign() == 0) != (sign == 0) {
		return nil, &InputError{"SumFromWords", fmt.Sprintf("sign %d for a magnitude of %d bits", sign, s.fixed.BitLen())}
	}
	if sign < 0 {
		s.fixed.Neg(&s.fixed)
	}
	return s, nil
}
