package datasets

import (
	"slices"
	"testing"
)

// labelsSplit returns a split of 1x1x1 images whose pixel is the sample's
// index mod 256 and whose labels follow counts: counts[c] samples of class
// c, interleaved (0, 1, 2, ..., 0, 1, ...) while classes last.
func labelsSplit(counts []int) *Split {
	left := slices.Clone(counts)
	s := &Split{Name: "train", C: 1, H: 1, W: 1}
	for more := true; more; {
		more = false
		for c := range left {
			if left[c] > 0 {
				left[c]--
				s.Labels = append(s.Labels, int32(c))
				s.Images = append(s.Images, byte(len(s.Images)))
				more = true
			}
		}
	}
	return s
}

func TestCarveValidationStratified(t *testing.T) {
	train := labelsSplit([]int{100, 50, 30, 20})
	tr, valid, err := CarveValidation(train, 20, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	// 20 of 200: exactly 10, 5, 3, 2 per class.
	if got := valid.PerClass(4); !slices.Equal(got, []int{10, 5, 3, 2}) {
		t.Errorf("valid per class %v, want [10 5 3 2]", got)
	}
	if got := tr.PerClass(4); !slices.Equal(got, []int{90, 45, 27, 18}) {
		t.Errorf("train per class %v", got)
	}
	if valid.Name != "valid" || tr.Name != "train" {
		t.Errorf("names %q %q", tr.Name, valid.Name)
	}
	// Disjoint, together the whole split, each in file order: the pixel
	// is the original index mod 256 and 200 < 256.
	seen := map[byte]bool{}
	for _, s := range []*Split{tr, valid} {
		if !slices.IsSorted(s.Images) {
			t.Errorf("%s is not in file order", s.Name)
		}
		for i, p := range s.Images {
			if seen[p] {
				t.Fatalf("sample %d in both splits", p)
			}
			seen[p] = true
			if s.Labels[i] != train.Labels[p] {
				t.Fatalf("sample %d lost its label", p)
			}
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d samples in all, want 200", len(seen))
	}
	// Same seed, same split; another seed, another.
	_, again, _ := CarveValidation(train, 20, 4, 7)
	_, other, _ := CarveValidation(train, 20, 4, 8)
	if !slices.Equal(again.Images, valid.Images) {
		t.Error("the same seed gave another validation split")
	}
	if slices.Equal(other.Images, valid.Images) {
		t.Error("another seed gave the same validation split")
	}
}

func TestCarveValidationRounding(t *testing.T) {
	// 10 of 30 from classes of 7, 7, 16: quotas 2.33, 2.33, 5.33 round
	// by largest remainder to 2, 2, 5 plus one for the first of the tied
	// remainders: class 0.
	_, valid, err := CarveValidation(labelsSplit([]int{7, 7, 16}), 10, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := valid.PerClass(3); !slices.Equal(got, []int{3, 2, 5}) {
		t.Errorf("per class %v, want [3 2 5]", got)
	}
	_, valid, err = CarveValidation(labelsSplit([]int{7, 7, 16}), 0, 3, 1)
	if err != nil || valid.Len() != 0 {
		t.Errorf("n=0: %d samples, %v", valid.Len(), err)
	}
	for _, n := range []int{-1, 30, 31} {
		if _, _, err := CarveValidation(labelsSplit([]int{7, 7, 16}), n, 3, 1); err == nil {
			t.Errorf("n=%d: no error", n)
		}
	}
	if _, _, err := CarveValidation(labelsSplit([]int{7, 7, 16}), 5, 2, 1); err == nil {
		t.Error("no error for a label outside the classes")
	}
}

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
