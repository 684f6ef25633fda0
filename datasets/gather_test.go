package datasets

import (
	"slices"
	"testing"
)

// TestWithoutImages checks that a loader without images gives the same
// batches' labels, indices and shapes, with no images, and that the
// original loader still makes its images.
func TestWithoutImages(t *testing.T) {
	n := 10
	s := &Split{Name: "train", C: 1, H: 4, W: 4, Images: make([]uint8, n*16), Labels: make([]int32, n)}
	for i := range s.Labels {
		s.Labels[i] = int32(i % 3)
	}
	l, err := NewLoader(s, LoaderOptions{BatchSize: 4, Shuffle: true, Seed: 3, Transform: Transform{PadTo: 6, Augment: true}})
	if err != nil {
		t.Fatal(err)
	}
	bare := l.WithoutImages()
	for _, prefetch := range []int{0, -1} {
		l.prefetch, bare.prefetch = prefetch, prefetch
		a, b := l.Epoch(1, 0), bare.Epoch(1, 0)
		for k := 0; ; k++ {
			x, okX, _ := a.Next()
			y, okY, _ := b.Next()
			if okX != okY {
				t.Fatalf("prefetch %d batch %d: the loaders end apart", prefetch, k)
			}
			if !okX {
				break
			}
			if len(x.Images) != x.Shape[0]*36 || y.Images != nil || x.Shape != y.Shape ||
				!slices.Equal(x.Labels, y.Labels) || !slices.Equal(x.Index, y.Index) {
				t.Fatalf("prefetch %d batch %d: %d images %v %v %v, without: %d images %v %v %v", prefetch, k,
					len(x.Images), x.Shape, x.Labels, x.Index, len(y.Images), y.Shape, y.Labels, y.Index)
			}
		}
	}
}
