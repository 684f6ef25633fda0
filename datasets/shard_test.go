package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// shardFixture is datasets/testdata/shards.json (scripts/gen_shards.py):
// the indices DistributedSampler(shuffle=False, drop_last=False) yields
// to each rank of a data set of n samples.
type shardFixture struct {
	Cases []struct {
		N, Size int
		Ranks   []struct {
			Rank, Len int
			Indices   []int
		}
	}
}

// pixelSplit returns a split of n 1x1x1 images whose pixel is the
// sample's index mod 256, label index mod 3.
func pixelSplit(n int) *Split {
	s := &Split{Name: "train", C: 1, H: 1, W: 1, Images: make([]byte, n), Labels: make([]int32, n)}
	for i := range n {
		s.Images[i] = byte(i)
		s.Labels[i] = int32(i % 3)
	}
	return s
}

// indicesOf returns the sample indices of batches in order.
func indicesOf(batches []batchCopy) []int {
	var out []int
	for _, b := range batches {
		out = append(out, b.Index...)
	}
	return out
}

// With Pad, a rank's samples are those DistributedSampler yields it: the
// sampler's positions read in wgtrain's epoch order (the file order, or
// the shuffle of the epoch, which every rank computes alike).
func TestShardMatchesDistributedSampler(t *testing.T) {
	data, err := os.ReadFile("testdata/shards.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx shardFixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 5 {
		t.Fatalf("%d cases in the fixture", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		s := pixelSplit(c.N + 3) // Limit takes the first c.N
		for _, shuffle := range []bool{false, true} {
			for _, epoch := range []int{0, 2} {
				name := fmt.Sprintf("n%d/N%d/shuffle=%v/epoch%d", c.N, c.Size, shuffle, epoch)
				o := LoaderOptions{BatchSize: 3, Shuffle: shuffle, Seed: 7, Limit: c.N, Prefetch: -1}
				whole, err := NewLoader(s, o)
				if err != nil {
					t.Fatal(err)
				}
				order := whole.Order(epoch)
				if len(c.Ranks) != c.Size {
					t.Fatalf("%s: %d ranks in the fixture", name, len(c.Ranks))
				}
				for _, r := range c.Ranks {
					o.Shard = Shard{Rank: r.Rank, Size: c.Size, Pad: true}
					l, err := NewLoader(s, o)
					if err != nil {
						t.Fatal(err)
					}
					want := make([]int, len(r.Indices))
					for k, pos := range r.Indices {
						want[k] = order[pos]
					}
					if l.Len() != r.Len || l.Batches() != (r.Len+2)/3 {
						t.Errorf("%s rank %d: Len %d Batches %d, want %d and %d", name, r.Rank, l.Len(), l.Batches(), r.Len, (r.Len+2)/3)
					}
					if got := l.Order(epoch); !slices.Equal(got, want) {
						t.Errorf("%s rank %d: order %v, want %v", name, r.Rank, got, want)
					}
					batches := collect(t, l, epoch, 0, false)
					if got := indicesOf(batches); len(batches) != l.Batches() || !slices.Equal(got, want) {
						t.Errorf("%s rank %d: %d batches of samples %v, want %d of %v", name, r.Rank, len(batches), got, l.Batches(), want)
					}
					for _, b := range batches {
						for j, i := range b.Index {
							if b.Labels[j] != s.Labels[i] || b.Images[j] != float32(s.Images[i])/255 {
								t.Errorf("%s rank %d: sample %d holds label %d pixel %v", name, r.Rank, i, b.Labels[j], b.Images[j])
							}
						}
					}
				}
			}
		}
	}
}

// Without Pad (evaluation), the ranks' samples together are the epoch
// exactly once, in strides of the file order; a rank beyond the samples
// has none.
func TestShardUnpaddedCoversOnce(t *testing.T) {
	for _, c := range [][2]int{{10, 2}, {11, 2}, {10, 3}, {7, 4}, {3, 5}, {1, 3}, {64, 3}} {
		n, size := c[0], c[1]
		s := pixelSplit(n)
		var all []int
		for r := range size {
			l, err := NewLoader(s, LoaderOptions{BatchSize: 4, Shard: Shard{Rank: r, Size: size}})
			if err != nil {
				t.Fatal(err)
			}
			var want []int
			for i := r; i < n; i += size {
				want = append(want, i)
			}
			got := indicesOf(collect(t, l, 1, 0, false))
			if !slices.Equal(got, want) || l.Len() != len(want) || l.Batches() != (len(want)+3)/4 {
				t.Errorf("n %d, %d ranks, rank %d: samples %v (Len %d, %d batches), want %v", n, size, r, got, l.Len(), l.Batches(), want)
			}
			all = append(all, got...)
		}
		slices.Sort(all)
		if len(all) != n || all[0] != 0 || all[n-1] != n-1 || len(slices.Compact(all)) != n {
			t.Errorf("n %d, %d ranks: the shards hold %v", n, size, all)
		}
	}
}

// The zero Shard, and a shard of one rank with or without Pad, give the
// loader's batches unchanged.
func TestShardOfOneIsTheWhole(t *testing.T) {
	s := mnistSplit(23)
	o := LoaderOptions{BatchSize: 5, Shuffle: true, Seed: 3, Transform: DefaultTransform("mnist"), Prefetch: -1}
	o.Transform.Augment = true
	base, err := NewLoader(s, o)
	if err != nil {
		t.Fatal(err)
	}
	want := collect(t, base, 1, 0, false)
	for _, sh := range []Shard{{Size: 1}, {Size: 1, Pad: true}} {
		o.Shard = sh
		l, err := NewLoader(s, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := collect(t, l, 1, 0, false); l.Len() != 23 || !equalBatches(got, want) {
			t.Errorf("shard %+v: Len %d, batches differ from the unsharded loader's", sh, l.Len())
		}
	}
}

// A sharded loader skips batches to resume as an unsharded one does:
// the batches after the skip are those of the whole epoch's.
func TestShardSkip(t *testing.T) {
	s := mnistSplit(31)
	o := LoaderOptions{BatchSize: 4, Shuffle: true, Seed: 5, Transform: DefaultTransform("mnist"), Shard: Shard{Rank: 1, Size: 3, Pad: true}}
	l, err := NewLoader(s, o)
	if err != nil {
		t.Fatal(err)
	}
	all := collect(t, l, 4, 0, false)
	if len(all) != 3 || l.Len() != 11 {
		t.Fatalf("%d batches, Len %d; want 3 and 11", len(all), l.Len())
	}
	if got := collect(t, l, 4, 1, true); !equalBatches(got, all[1:]) {
		t.Error("the batches after skipping one differ from the epoch's")
	}
}

func TestShardBadRank(t *testing.T) {
	for _, sh := range []Shard{{Rank: 2, Size: 2}, {Rank: -1, Size: 2}, {Size: -1}, {Rank: 1}} {
		_, err := NewLoader(pixelSplit(4), LoaderOptions{BatchSize: 2, Shard: sh})
		if err == nil {
			t.Errorf("shard %+v: no error", sh)
		} else if want := fmt.Sprintf("shard rank %d of %d ranks", sh.Rank, sh.Size); !strings.Contains(err.Error(), want) {
			t.Errorf("shard %+v: error %q, want it to say %q", sh, err, want)
		}
	}
}
