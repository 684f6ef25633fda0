package datasets

import (
	"math"
	"os"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/internal/citest"
)

// The real Fashion-MNIST files of Debian's dataset-fashion-mnist, where
// installed; under CI=true they must be (the test command installs them).
func TestRealFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		citest.Missing(t, "Fashion-MNIST", dir+" is not installed (apt-get install dataset-fashion-mnist)")
	}
	ds, err := Load("fashion-mnist", dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.Len() != 60000 || ds.Test.Len() != 10000 {
		t.Fatalf("%d train and %d test samples, want 60,000 and 10,000", ds.Train.Len(), ds.Test.Len())
	}
	if ds.Train.C != 1 || ds.Train.H != 28 || ds.Train.W != 28 {
		t.Errorf("images %dx%dx%d, want 1x28x28", ds.Train.C, ds.Train.H, ds.Train.W)
	}
	for _, s := range []struct {
		split *Split
		n     int
	}{{ds.Train, 6000}, {ds.Test, 1000}} {
		if got := s.split.PerClass(10); !slices.Equal(got, slices.Repeat([]int{s.n}, 10)) {
			t.Errorf("%s per class %v, want %d each", s.split.Name, got, s.n)
		}
	}
	if ds.Classes[0] != "T-shirt/top" || ds.Classes[9] != "Ankle boot" {
		t.Errorf("classes %q", ds.Classes)
	}
	// The published first labels: the first training image is an ankle
	// boot (9), the first test image too, then a pullover (2).
	if ds.Train.Labels[0] != 9 || ds.Test.Labels[0] != 9 || ds.Test.Labels[1] != 2 {
		t.Errorf("first labels %v / %v", ds.Train.Labels[:3], ds.Test.Labels[:3])
	}
	// Fashion-MNIST's published statistics, which DefaultTransform uses:
	// mean 0.2860, std 0.3530 of the training pixels scaled to [0,1].
	var sum, sq float64
	for _, p := range ds.Train.Images {
		x := float64(p) / 255
		sum += x
		sq += x * x
	}
	n := float64(len(ds.Train.Images))
	mean := sum / n
	std := sq/n - mean*mean
	if d := mean - 0.2860; d > 5e-5 || d < -5e-5 {
		t.Errorf("pixel mean %.5f, want 0.2860", mean)
	}
	if std = math.Sqrt(std); std-0.3530 > 5e-5 || std-0.3530 < -5e-5 {
		t.Errorf("pixel std %.5f, want 0.3530", std)
	}
}
