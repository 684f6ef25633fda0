package datasets

import (
	"slices"
	"testing"
)

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
