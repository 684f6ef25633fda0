package datasets

import (
	"fmt"
	"sync"
)

// LoaderOptions configure a Loader.
type LoaderOptions struct {
	BatchSize int       // samples per batch (the last batch of an epoch may be short)
	Shuffle   bool      // shuffle each epoch under Seed (off keeps the file order, as the tutorial's loader)
	Seed      uint64    // the seed of the shuffles and augmentations
	Limit     int       // use only the first Limit samples of the split (0: all)
	Transform Transform // uint8 to float32
	Prefetch  int       // batches prepared ahead by a background goroutine: 0 means 2, negative none
	Shard     Shard     // this rank's part of each epoch (shard.go); the zero value takes all
}

// Loader produces the batches of a split, epoch after epoch.
type Loader struct {
	s        *Split
	o        LoaderOptions
	n        int // samples per epoch of this shard
	total    int // samples per epoch of all shards: the split's, or Limit
	oh, ow   int // transformed image size
	lut      [][256]float32
	prefetch int
	noImages bool // batches carry labels and indices only (WithoutImages)
}

// NewLoader returns a loader of s's samples.
func NewLoader(s *Split, o LoaderOptions) (*Loader, error) {
	if s == nil {
		return nil, fmt.Errorf("datasets: a loader of a nil split")
	}
	if o.BatchSize < 1 {
		return nil, fmt.Errorf("datasets: batch size %d", o.BatchSize)
	}
	if o.Limit < 0 {
		return nil, fmt.Errorf("datasets: sample limit %d", o.Limit)
	}
	if err := o.Shard.check(); err != nil {
		return nil, err
	}
	if err := o.Transform.check(s.C, s.H, s.W); err != nil {
		return nil, err
	}
	n := s.Len()
	if o.Limit > 0 {
		n = min(n, o.Limit)
	}
	if n == 0 {
		return nil, fmt.Errorf("datasets: split %q has no samples", s.Name)
	}
	l := &Loader{s: s, o: o, n: o.Shard.Count(n), total: n, lut: o.Transform.lut(s.C), prefetch: o.Prefetch}
	l.oh, l.ow = o.Transform.outSize(s.H, s.W)
	if l.prefetch == 0 {
		l.prefetch = 2
	}
	return l, nil
}

// Len returns the number of samples per epoch: the split's, or Limit, or
// this rank's part of them when the loader is sharded (Shard.Count).
func (l *Loader) Len() int { return l.n }

// Split returns the split the loader reads; sample indices (Batch.Index)
// are indices into it.
func (l *Loader) Split() *Split { return l.s }

// Batches returns the number of batches per epoch; the last may be short.
func (l *Loader) Batches() int { return (l.n + l.o.BatchSize - 1) / l.o.BatchSize }

// Shape returns the shape of a full batch: N, C, H, W.
func (l *Loader) Shape() [4]int { return [4]int{l.o.BatchSize, l.s.C, l.oh, l.ow} }

// Order returns the sample indices of an epoch in the order its batches
// hold them: the first Len() samples of the split (or Limit), shuffled
// under (Seed, epoch) when Shuffle is on, then, when the loader is
// sharded, this rank's part of that order (Shard.Take).
func (l *Loader) Order(epoch int) []int {
	p := make([]int, l.total)
	for i := range p {
		p[i] = i
	}
	if l.o.Shuffle {
		newRNG(l.o.Seed, purposeShuffle, uint64(epoch)).shuffle(p)
	}
	return l.o.Shard.Take(p)
}

// Batch is one batch of transformed samples.
type Batch struct {
	Images []float32 // Shape[0]*Shape[1]*Shape[2]*Shape[3] values, NCHW
	Shape  [4]int    // N, C, H, W after the transform
	Labels []int32
	Index  []int // the samples' indices in the split
}

// Iterator yields the batches of one epoch.
type Iterator struct {
	l     *Loader
	order []int
	next  int // the next batch to make (synchronous mode)
	epoch int
	cur   *Batch

	// With prefetch: the goroutine sends made batches on ready and takes
	// buffers to fill from free; done stops it.
	ready chan *Batch
	free  chan *Batch
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	ended bool
}

// Epoch returns the batches of one epoch. Their order and augmentation
// depend only on (Seed, epoch), never on timing. skip drops the first
// skip batches (to resume mid-epoch) without decoding them; the batches
// after are the same as without skipping. The caller must Close the
// iterator when it stops early; reaching the end closes it.
func (l *Loader) Epoch(epoch, skip int) *Iterator {
	it := &Iterator{l: l, order: l.Order(epoch), next: max(skip, 0), epoch: epoch}
	if l.prefetch < 0 {
		return it
	}
	it.ready = make(chan *Batch, l.prefetch)
	// The goroutine holds at most one buffer while filling it, the
	// channel prefetch, the caller one: prefetch+2 buffers in all.
	it.free = make(chan *Batch, l.prefetch+2)
	for range l.prefetch + 2 {
		it.free <- nil // allocated on first use
	}
	it.done = make(chan struct{})
	it.wg.Add(1)
	go it.produce(it.next)
	return it
}

// produce makes batches from first on, until the end or Close.
func (it *Iterator) produce(first int) {
	defer it.wg.Done()
	defer close(it.ready)
	for b := first; b < it.l.Batches(); b++ {
		var buf *Batch
		select {
		case buf = <-it.free:
		case <-it.done:
			return
		}
		buf = it.l.make(buf, it.order, b, it.epoch)
		select {
		case it.ready <- buf:
		case <-it.done:
			return
		}
	}
}

// Next returns the next batch, or ok=false at the end of the epoch (or
// after Close). The batch's slices stay valid until the next call of Next
// or Close (their buffers are reused), so callers copy what they keep.
// err is always nil today; it is there for sources that can fail.
func (it *Iterator) Next() (b Batch, ok bool, err error) {
	if it.ended {
		return Batch{}, false, nil
	}
	if it.ready == nil {
		if it.next >= it.l.Batches() {
			it.ended = true
			return Batch{}, false, nil
		}
		it.cur = it.l.make(it.cur, it.order, it.next, it.epoch)
		it.next++
		return *it.cur, true, nil
	}
	if it.cur != nil {
		it.free <- it.cur // never blocks: the channel has room for every buffer
		it.cur = nil
	}
	buf, ok := <-it.ready
	if !ok {
		it.Close()
		return Batch{}, false, nil
	}
	it.cur = buf
	return *buf, true, nil
}

// Close stops the prefetch goroutine and waits for it; Next then reports
// the end. Close may be called more than once.
func (it *Iterator) Close() {
	it.ended = true
	if it.done == nil {
		return
	}
	it.once.Do(func() {
		close(it.done)
		it.wg.Wait()
	})
}

// make fills buf (allocating it if nil) with batch b of an epoch.
func (l *Loader) make(buf *Batch, order []int, b, epoch int) *Batch {
	lo := b * l.o.BatchSize
	hi := min(lo+l.o.BatchSize, l.n)
	n := hi - lo
	c, h, w := l.s.C, l.s.H, l.s.W
	per := c * l.oh * l.ow
	if buf == nil {
		var images []float32
		if !l.noImages {
			images = make([]float32, l.o.BatchSize*per)
		}
		buf = &Batch{
			Images: images,
			Labels: make([]int32, l.o.BatchSize),
			Index:  make([]int, l.o.BatchSize),
		}
	}
	if !l.noImages {
		buf.Images = buf.Images[:n*per]
	}
	buf.Labels = buf.Labels[:n]
	buf.Index = buf.Index[:n]
	buf.Shape = [4]int{n, c, l.oh, l.ow}
	for k, i := range order[lo:hi] {
		if l.noImages {
			// The backend makes the images (WithoutImages).
		} else if l.o.Transform.Augment && l.o.Transform.ResizedCrop {
			l.o.Transform.applyResizedCrop(buf.Images[k*per:(k+1)*per], l.s.Image(i), c, h, w, l.o.Seed, epoch, i)
		} else {
			a := noCrop
			if l.o.Transform.Augment {
				a = augmentation(l.o.Seed, epoch, i)
			}
			l.o.Transform.apply(buf.Images[k*per:(k+1)*per], l.s.Image(i), c, h, w, l.lut, a)
		}
		buf.Labels[k] = l.s.Labels[i]
		buf.Index[k] = i
	}
	return buf
}
