package datasets

import (
	"slices"
	"testing"
)

func TestSplitSubsetPerClass(t *testing.T) {
	s := &Split{Name: "train", Images: cifarImages(0, 4), Labels: []int32{2, 0, 2, 1}, C: 3, H: 32, W: 32}
	sub := s.Subset("x", []int{3, 0})
	if sub.Name != "x" || !slices.Equal(sub.Labels, []int32{1, 2}) {
		t.Fatalf("subset %q labels %v", sub.Name, sub.Labels)
	}
	checkCIFARImages(t, "subset[1]", sub.Image(1), 0, 1)
	checkCIFARImages(t, "subset[0]", sub.Image(0), 3, 1)
	sub.Images[0]++
	if s.Images[3*cifarPixels] == sub.Images[0] {
		t.Error("Subset shares the images")
	}
	if got := s.PerClass(3); !slices.Equal(got, []int{1, 1, 2}) {
		t.Errorf("PerClass %v", got)
	}
}
