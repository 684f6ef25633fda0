package evalkit

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// sumOf feeds xs to a new Sum.
func sumOf(xs ...float64) *Sum {
	var s Sum
	for _, x := range xs {
		s.Add(x)
	}
	return &s
}

func TestSumExact(t *testing.T) {
	tiny := math.SmallestNonzeroFloat64
	for _, c := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"cancellation", []float64{1, 1e100, 1, -1e100}, 2},
		{"overflow on the way", []float64{1e308, 1e308, -1e308}, 1e308},
		{"subnormals", []float64{tiny, tiny, tiny, -tiny}, 2 * tiny},
		{"tie to even", []float64{1, 0x1p-53}, 1},
		{"above the tie", []float64{1, 0x1p-53, 0x1p-106}, math.Nextafter(1, 2)},
		{"negative", []float64{-0.1, -0.2}, -0.30000000000000004},
		{"overflow", []float64{math.MaxFloat64, math.MaxFloat64}, math.Inf(1)},
		{"+Inf", []float64{1, math.Inf(1)}, math.Inf(1)},
		{"-Inf", []float64{math.Inf(-1), 1}, math.Inf(-1)},
	} {
		s := sumOf(c.xs...)
		s.Merge(nil)
		if got := s.Value(); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	for _, xs := range [][]float64{{math.NaN(), 1}, {math.Inf(1), math.Inf(-1)}} {
		if got := sumOf(xs...).Value(); !math.IsNaN(got) {
			t.Errorf("%v: %v, want NaN", xs, got)
		}
	}
}

// randomValues returns n values of both signs over a wide exponent range.
func randomValues(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Ldexp(r.Float64()-0.5, r.IntN(120)-60)
	}
	return xs
}

// The sum of the same values in any order, or split into ranks whose
// Words are merged, is the exactly rounded sum (big.Float at a precision
// that holds it), bit for bit.
func TestSumOrderAndRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		xs := randomValues(r, 50+trial*13)
		ref := new(big.Float).SetPrec(4096)
		for _, x := range xs {
			ref.Add(ref, new(big.Float).SetFloat64(x))
		}
		want, _ := ref.Float64()
		var naive float64
		for _, x := range xs {
			naive += x
		}
		if got := sumOf(xs...).Value(); got != want {
			t.Fatalf("trial %d: %v, want %v", trial, got, want)
		}
		for ranks := 2; ranks <= 3; ranks++ {
			r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
			parts := make([]Sum, ranks)
			for i, x := range xs {
				parts[i%ranks].Add(x)
			}
			var merged Sum
			for k := ranks - 1; k >= 0; k-- {
				back, err := SumFromWords(parts[k].Words())
				if err != nil {
					t.Fatal(err)
				}
				merged.Merge(back)
			}
			if got := merged.Value(); got != want {
				t.Errorf("trial %d, %d ranks: %v, want %v (a float64 loop gives %v)", trial, ranks, got, want, naive)
			}
		}
	}
}

func TestSumWords(t *testing.T) {
	for _, s := range []*Sum{sumOf(), sumOf(-3.5), sumOf(math.MaxFloat64, math.MaxFloat64, -1e-300), sumOf(math.NaN(), math.Inf(1), 2)} {
		w := s.Words()
		if len(w) != SumWordsLen {
			t.Fatalf("%d words", len(w))
		}
		back, err := SumFromWords(w)
		if err != nil {
			t.Fatal(err)
		}
		if back.fixed.Cmp(&s.fixed) != 0 || back.nan != s.nan || back.posInf != s.posInf || back.negInf != s.negInf {
			t.Errorf("%v: read back as %v", w, back.Words())
		}
	}
	good := sumOf(2).Words()
	for _, c := range []struct {
		name string
		edit func([]int64) []int64
		msg  string
	}{
		{"short", func(w []int64) []int64 { return w[:5] }, "5 words"},
		{"sign 2", func(w []int64) []int64 { w[0] = 2; return w }, "sign 2"},
		{"negative NaNs", func(w []int64) []int64 { w[1] = -1; return w }, "counts [-1"},
		{"sign without magnitude", func(w []int64) []int64 { clear(w[4:]); return w }, "sign 1 for a magnitude of 0 bits"},
		{"magnitude without sign", func(w []int64) []int64 { w[0] = 0; return w }, "sign 0 for a magnitude"},
	} {
		_, err := SumFromWords(c.edit(append([]int64(nil), good...)))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.msg)
		}
	}
}
