package datasets

import "fmt"

// Shard names one rank's part of each epoch of a loader in a
// data-parallel run of Size ranks, as PyTorch's
// torch.utils.data.distributed.DistributedSampler (drop_last=False)
// takes it: every rank computes the same epoch order (the loader's
// shuffle under (Seed, epoch), or the file order), and rank Rank takes
// the positions Rank, Rank+Size, Rank+2*Size, ... of it. Batches are then
// cut from the rank's part.
//
// With Pad (training), the order is first padded to a multiple of Size by
// repeating its first indices, as DistributedSampler does, so that every
// rank has the same number of samples and steps: a few samples are then
// seen twice in the epoch. Without Pad (evaluation, prediction), nothing
// is repeated: the ranks' parts differ in length by at most one (a rank
// may have none when the split has fewer samples than ranks) and their
// union is the split exactly once, so metrics combined from them are
// those of one process.
//
// The zero value (Size 0), like Size 1, takes the whole epoch: the
// loader behaves as without sharding.
type Shard struct {
	Rank int  // this rank, 0 <= Rank < Size
	Size int  // the number of ranks; 0 or 1 means no sharding
	Pad  bool // pad the order to a multiple of Size (training); off for evaluation
}

// check returns an error unless the shard is the zero value or
// 0 <= Rank < Size.
func (s Shard) check() error {
	if s.Size < 0 || (s.Size == 0 && s.Rank != 0) || (s.Size > 0 && (s.Rank < 0 || s.Rank >= s.Size)) {
		return fmt.Errorf("datasets: shard rank %d of %d ranks: want 0 <= rank < ranks", s.Rank, s.Size)
	}
	return nil
}

// Count returns the number of samples this rank takes from an epoch of n
// samples: ceil(n/Size) with Pad (DistributedSampler's num_samples), and
// otherwise the number of positions Rank, Rank+Size, ... below n. The
// shard must be valid (NewLoader checks it).
func (s Shard) Count(n int) int {
	switch {
	case s.Size <= 1:
		return n
	case s.Pad:
		return (n + s.Size - 1) / s.Size
	default:
		return (n - s.Rank + s.Size - 1) / s.Size
	}
}

// Take returns this rank's part of an epoch order (order itself when the
// shard takes everything): with Pad, the positions Rank, Rank+Size, ...
// of order padded to Count(len(order))*Size entries by repeating it from
// its start (cyclically, when it is shorter than the padding); without,
// the same positions of order unpadded.
func (s Shard) Take(order []int) []int {
	if s.Size <= 1 {
		return order
	}
	n := len(order)
	out := make([]int, s.Count(n))
	for k := range out {
		out[k] = order[(s.Rank+k*s.Size)%n] // the modulo only wraps into the padding
	}
	return out
}
