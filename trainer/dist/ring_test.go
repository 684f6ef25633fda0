package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// chanRing is an in-process ring of goroutines: inbox[r] carries what
// rank r-1 sends to rank r.
type chanRing struct {
	inbox []chan []float32
}

// chanRank is one rank's exchanger over a chanRing.
type chanRank struct {
	ring *chanRing
	rank int
}

func (c chanRank) sendRecv(send []float32, to int, recv []float32, from int) error {
	if to != (c.rank+1)%len(c.ring.inbox) || from != (c.rank-1+len(c.ring.inbox))%len(c.ring.inbox) {
		return fmt.Errorf("rank %d sends to %d and receives from %d: not its ring neighbours", c.rank, to, from)
	}
	c.ring.inbox[to] <- append([]float32(nil), send...)
	got := <-c.ring.inbox[c.rank]
	if len(got) != len(recv) {
		return fmt.Errorf("rank %d expects %d values from %d, got %d", c.rank, len(recv), from, len(got))
	}
	copy(recv, got)
	return nil
}

// ringReduce runs ringAllReduceSum (scaled for the mean when mean is
// set) on size goroutines, rank r starting from inputs[r], and returns
// every rank's result.
func ringReduce(t *testing.T, inputs [][]float32, mean bool) [][]float32 {
	t.Helper()
	size := len(inputs)
	ring := &chanRing{inbox: make([]chan []float32, size)}
	for r := range ring.inbox {
		ring.inbox[r] = make(chan []float32, 1)
	}
	out := make([][]float32, size)
	errs := make([]error, size)
	var wg sync.WaitGroup
	for r := range size {
		out[r] = append([]float32(nil), inputs[r]...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if mean {
				scaleForMean(out[r], size)
			}
			errs[r] = ringAllReduceSum(chanRank{ring, r}, r, size, out[r], make([]float32, len(out[r])/size+1))
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	return out
}

// randomInputs returns size buffers of n values of mixed magnitudes, so
// that the order of additions shows in the last bits.
func randomInputs(seed uint64, size, n int) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	in := make([][]float32, size)
	for r := range in {
		in[r] = make([]float32, n)
		for i := range in[r] {
			in[r][i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
	}
	return in
}

func TestRingAllReduceMatchesFloat64AndIsTheSameOnEveryRank(t *testing.T) {
	for _, size := range []int{1, 2, 3, 4, 7} {
		for _, n := range []int{0, 1, 2, 5, 64, 1001} {
			for _, mean := range []bool{false, true} {
				in := randomInputs(uint64(size*10000+n), size, n)
				out := ringReduce(t, in, mean)
				for i := range n {
					var want, mag float64
					for r := range size {
						want += float64(in[r][i])
						mag += math.Abs(float64(in[r][i]))
					}
					if mean {
						want /= float64(size)
						mag /= float64(size)
					}
					if d := math.Abs(float64(out[0][i]) - want); d > 4*float64(size)*1.2e-7*mag {
						t.Fatalf("size %d, n %d, mean %v: [%d] = %g, float64 reference %g", size, n, mean, i, out[0][i], want)
					}
					for r := 1; r < size; r++ {
						if math.Float32bits(out[r][i]) != math.Float32bits(out[0][i]) {
							t.Fatalf("size %d, n %d: rank %d has [%d] = %g, rank 0 %g", size, n, r, i, out[r][i], out[0][i])
						}
					}
				}
			}
		}
	}
}

// The order of additions is the documented one: chunk c summed from rank
// c around the ring.
func TestRingAllReduceAddsInRingOrderFromTheChunksRank(t *testing.T) {
	const size, n = 3, 7
	in := randomInputs(3, size, n)
	out := ringReduce(t, in, false)
	for c := range size {
		lo, hi := chunk(n, size, c)
		for i := lo; i < hi; i++ {
			want := in[c][i]
			for k := 1; k < size; k++ {
				want += in[(c+k)%size][i]
			}
			if math.Float32bits(out[0][i]) != math.Float32bits(want) {
				t.Errorf("[%d] (chunk %d) = %v, want %v", i, c, out[0][i], want)
			}
		}
	}
}

func TestRingAllReduceWithTwoRanksIsTheExactPairSum(t *testing.T) {
	in := randomInputs(5, 2, 101)
	out := ringReduce(t, in, true)
	for i := range in[0] {
		want := in[0][i]*0.5 + in[1][i]*0.5
		if out[0][i] != want || out[1][i] != want {
			t.Fatalf("[%d]: ranks have %v, %v, want %v", i, out[0][i], out[1][i], want)
		}
	}
}

func TestChunksCoverTheBufferOnce(t *testing.T) {
	for _, size := range []int{1, 2, 3, 8} {
		for _, n := range []int{0, 1, 7, 413514} {
			next := 0
			for c := range size {
				lo, hi := chunk(n, size, c)
				if lo != next || hi < lo || hi-lo > n/size+1 {
					t.Fatalf("n %d, size %d: chunk %d is [%d, %d) after %d", n, size, c, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Fatalf("n %d, size %d: chunks end at %d", n, size, next)
			}
		}
	}
}
