package datasets

import (
	"slices"
	"testing"
)

// The long-tailed CIFAR benchmarks' class sizes, as published: CIFAR-10-LT
// with imbalance 100 keeps 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83,
// 50 (12,406 images); with 50, 13,996; with 10, 20,431; CIFAR-100-LT with
// 100 keeps 10,847 images, with 50, 12,608, with 10, 19,573.
func TestLongTailProfile(t *testing.T) {
	want := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	for c, w := range want {
		if got := LongTailCount(5000, c, 10, 100); got != w {
			t.Errorf("class %d: %d, want %d", c, got, w)
		}
	}
	for _, c := range []struct {
		nmax, classes int
		ratio         float64
		total         int
	}{
		{5000, 10, 100, 12406}, {5000, 10, 50, 13996}, {5000, 10, 10, 20431},
		{500, 100, 100, 10847}, {500, 100, 50, 12608}, {500, 100, 10, 19573},
	} {
		total := 0
		for k := range c.classes {
			total += LongTailCount(c.nmax, k, c.classes, c.ratio)
		}
		if total != c.total {
			t.Errorf("%d classes of %d, ratio %v: %d samples, want %d", c.classes, c.nmax, c.ratio, total, c.total)
		}
	}
}

func TestLongTail(t *testing.T) {
	counts := make([]int, 10)
	for c := range counts {
		counts[c] = 500
	}
	train := labelsSplit(counts)
	lt, err := LongTail(train, 10, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 10)
	for c := range want {
		want[c] = LongTailCount(500, c, 10, 10)
	}
	if got := lt.PerClass(10); !slices.Equal(got, want) || want[0] != 500 || want[9] != 50 {
		t.Errorf("per class %v, want %v (500 ... 50)", got, want)
	}
	same, _ := LongTail(train, 10, 10, 3)
	other, _ := LongTail(train, 10, 10, 4)
	if !slices.Equal(same.Labels, lt.Labels) || !slices.Equal(same.Images, lt.Images) {
		t.Error("the same seed kept other samples")
	}
	if slices.Equal(other.Images, lt.Images) {
		t.Error("another seed kept the same samples")
	}
	// Every class keeps at least one sample, however steep the ratio.
	steep, err := LongTail(labelsSplit([]int{5, 5, 5}), 3, 1000, 1)
	if err != nil || !slices.Equal(steep.PerClass(3), []int{5, 1, 1}) {
		t.Errorf("steep: %v, %v", steep.PerClass(3), err)
	}
	for _, r := range []float64{0.5, 0, -1} {
		if _, err := LongTail(train, 10, r, 1); err == nil {
			t.Errorf("ratio %v: no error", r)
		}
	}
}
