package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// isolate points $WGTRAIN_DATA, the per-user cache and the system
// location at empty places, so that tests see only their own files.
func isolate(t *testing.T) (cache string) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv(EnvData, "")
	t.Setenv(EnvDataURL, "")
	s := specs["fashion-mnist"]
	old := s.system
	s.system = filepath.Join(home, "system", "fashion-mnist")
	t.Cleanup(func() { s.system = old })
	return filepath.Join(home, "cache")
}

// cifar10Label is the label of test image i in the CIFAR-10 layouts.
func cifar10Label(i int) int32 { return int32(i*3) % 10 }

// makeCIFAR10 writes a CIFAR-10 layout in dir: five train batches of 2
// images (numbers 0-9) and a test batch of 3 (numbers 100-102), in the
// binary or Python version, with the meta file when meta.
func makeCIFAR10(t *testing.T, dir string, binary, meta bool) {
	files := map[string][]byte{}
	batch := func(first, n int) []byte {
		imgs := cifarImages(first, n)
		labels := make([]int, n)
		lb := make([][]byte, n)
		for i := range n {
			labels[i] = int(cifar10Label(first + i))
			lb[i] = []byte{byte(labels[i])}
		}
		if binary {
			return cifarBin(lb, imgs)
		}
		return cifarPickle(imgs, map[string][]int{"labels": labels})
	}
	ext := map[bool]string{true: ".bin", false: ""}[binary]
	for b := range 5 {
		files[fmt.Sprintf("data_batch_%d%s", b+1, ext)] = batch(2*b, 2)
	}
	files["test_batch"+ext] = batch(100, 3)
	if meta {
		names := []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"}
		if binary {
			files["batches.meta.txt"] = []byte(strings.Join(names, "\n") + "\n\n")
		} else {
			files["batches.meta"] = namesPickle(map[string][]string{"label_names": names})
		}
	}
	writeFiles(t, dir, files)
}

// makeCIFAR100 writes a CIFAR-100 layout: 4 train images (0-3), 2 test
// images (50, 51); image i has coarse label i%20 and fine (i*7)%100.
func makeCIFAR100(t *testing.T, dir string, binary bool) {
	files := map[string][]byte{}
	split := func(first, n int) []byte {
		var coarse, fine []int
		var lb [][]byte
		for i := first; i < first+n; i++ {
			coarse = append(coarse, i%20)
			fine = append(fine, i*7%100)
			lb = append(lb, []byte{byte(i % 20), byte(i * 7 % 100)})
		}
		if binary {
			return cifarBin(lb, cifarImages(first, n))
		}
		return cifarPickle(cifarImages(first, n), map[string][]int{"coarse_labels": coarse, "fine_labels": fine})
	}
	fine, coarse := make([]string, 100), make([]string, 20)
	for i := range fine {
		fine[i] = fmt.Sprint("f", i)
	}
	for i := range coarse {
		coarse[i] = fmt.Sprint("c", i)
	}
	if binary {
		files["train.bin"], files["test.bin"] = split(0, 4), split(50, 2)
		files["fine_label_names.txt"] = []byte(strings.Join(fine, "\n") + "\n")
		files["coarse_label_names.txt"] = []byte(strings.Join(coarse, "\n") + "\n")
	} else {
		files["train"], files["test"] = split(0, 4), split(50, 2)
		files["meta"] = namesPickle(map[string][]string{"fine_label_names": fine, "coarse_label_names": coarse})
	}
	writeFiles(t, dir, files)
}

// makeIDX writes the four IDX files: 6 train images, 4 test images,
// image i's pixel (y, x) = (i*31 + y*28 + x) % 256 and label i%10.
func makeIDX(t *testing.T, dir string, gz bool) {
	labels := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 10)
		}
		return b
	}
	files := map[string][]byte{
		"train-images-idx3-ubyte": testfiles.IDX([]int{6, 28, 28}, mnistImages(6)),
		"train-labels-idx1-ubyte": testfiles.IDX([]int{6}, labels(6)),
		"t10k-images-idx3-ubyte":  testfiles.IDX([]int{4, 28, 28}, mnistImages(4)),
		"t10k-labels-idx1-ubyte":  testfiles.IDX([]int{4}, labels(4)),
	}
	if gz {
		for k, v := range files {
			delete(files, k)
			files[k+".gz"] = testfiles.Gzip(v)
		}
	}
	writeFiles(t, dir, files)
}

func TestLoadCIFAR10(t *testing.T) {
	for _, c := range []struct {
		name     string
		binary   bool
		sub      string
		meta     bool
		wantName string
	}{
		{"binary in place", true, "", true, "a3"},
		{"binary archive dir", true, "cifar-10-batches-bin", true, "a3"},
		{"python archive dir", false, "cifar-10-batches-py", true, "a3"},
		{"python in place, no meta", false, "", false, "cat"},
	} {
		t.Run(c.name, func(t *testing.T) {
			isolate(t)
			root := t.TempDir()
			makeCIFAR10(t, filepath.Join(root, c.sub), c.binary, c.meta)
			ds, err := Load("cifar10", root, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Dir != filepath.Join(root, c.sub) || ds.Name != "cifar10" {
				t.Errorf("Dir %q Name %q", ds.Dir, ds.Name)
			}
			if len(ds.Classes) != 10 || ds.Classes[3] != c.wantName {
				t.Errorf("classes %q, want class 3 %q", ds.Classes, c.wantName)
			}
			tr, te := ds.Train, ds.Test
			if tr.C != 3 || tr.H != 32 || tr.W != 32 || tr.Len() != 10 || te.Len() != 3 {
				t.Fatalf("train %dx%dx%d x%d, test x%d", tr.C, tr.H, tr.W, tr.Len(), te.Len())
			}
			checkCIFARImages(t, "train", tr.Images, 0, 10)
			checkCIFARImages(t, "test", te.Images, 100, 3)
			for i, l := range tr.Labels {
				if l != cifar10Label(i) {
					t.Errorf("train label %d = %d, want %d", i, l, cifar10Label(i))
				}
			}
			if !slices.Equal(te.Labels, []int32{0, 3, 6}) {
				t.Errorf("test labels %v", te.Labels)
			}
		})
	}
}

func TestLoadCIFAR100(t *testing.T) {
	for _, binary := range []bool{true, false} {
		for _, coarse := range []bool{false, true} {
			t.Run(fmt.Sprintf("binary=%v,coarse=%v", binary, coarse), func(t *testing.T) {
				isolate(t)
				root := t.TempDir()
				sub := map[bool]string{true: "cifar-100-binary", false: "cifar-100-python"}[binary]
				makeCIFAR100(t, filepath.Join(root, sub), binary)
				ds, err := Load("cifar100", root, LoadOptions{Coarse: coarse})
				if err != nil {
					t.Fatal(err)
				}
				checkCIFARImages(t, "train", ds.Train.Images, 0, 4)
				checkCIFARImages(t, "test", ds.Test.Images, 50, 2)
				want, wantTest, n, name := []int32{0, 7, 14, 21}, []int32{50, 57}, 100, "f7"
				if coarse {
					want, wantTest, n, name = []int32{0, 1, 2, 3}, []int32{10, 11}, 20, "c7"
				}
				if !slices.Equal(ds.Train.Labels, want) || !slices.Equal(ds.Test.Labels, wantTest) {
					t.Errorf("labels %v %v, want %v %v", ds.Train.Labels, ds.Test.Labels, want, wantTest)
				}
				if len(ds.Classes) != n || ds.Classes[7] != name {
					t.Errorf("%d classes, class 7 %q; want %d and %q", len(ds.Classes), ds.Classes[7], n, name)
				}
			})
		}
	}
}

func TestLoadIDX(t *testing.T) {
	for _, c := range []struct {
		name, sub string
		gz        bool
	}{
		{"fashion-mnist", "", true},
		{"fashion-mnist", "FashionMNIST/raw", false},
		{"mnist", "", false},
		{"mnist", "MNIST/raw", true},
	} {
		t.Run(c.name+"/"+c.sub, func(t *testing.T) {
			isolate(t)
			root := t.TempDir()
			makeIDX(t, filepath.Join(root, c.sub), c.gz)
			ds, err := Load(c.name, root, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tr, te := ds.Train, ds.Test
			if tr.C != 1 || tr.H != 28 || tr.W != 28 || tr.Len() != 6 || te.Len() != 4 {
				t.Fatalf("train %dx%dx%d x%d, test x%d", tr.C, tr.H, tr.W, tr.Len(), te.Len())
			}
			if !slices.Equal(tr.Images, mnistImages(6)) || !slices.Equal(te.Images, mnistImages(4)) {
				t.Error("images differ from the files'")
			}
			if !slices.Equal(tr.Labels, []int32{0, 1, 2, 3, 4, 5}) {
				t.Errorf("labels %v", tr.Labels)
			}
			want := map[string]string{"mnist": "3", "fashion-mnist": "Dress"}[c.name]
			if len(ds.Classes) != 10 || ds.Classes[3] != want {
				t.Errorf("classes %q", ds.Classes)
			}
		})
	}
}

func TestLoadBadInput(t *testing.T) {
	isolate(t)
	t.Run("label out of range", func(t *testing.T) {
		dir := t.TempDir()
		makeIDX(t, dir, false)
		writeFiles(t, dir, map[string][]byte{"t10k-labels-idx1-ubyte": testfiles.IDX([]int{4}, []byte{0, 1, 10, 2})})
		_, err := Load("mnist", dir, LoadOptions{})
		wantFormatError(t, err, filepath.Join(dir, "t10k-labels-idx1-ubyte"), 10, "record 2: label 10 out of range [0,10)")
	})
	t.Run("count mismatch", func(t *testing.T) {
		dir := t.TempDir()
		makeIDX(t, dir, true)
		writeFiles(t, dir, map[string][]byte{"train-labels-idx1-ubyte.gz": testfiles.Gzip(testfiles.IDX([]int{5}, make([]byte, 5)))})
		_, err := Load("fashion-mnist", dir, LoadOptions{})
		wantFormatError(t, err, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), 4, "5 labels, but train-images-idx3-ubyte.gz holds 6 images")
	})
	t.Run("truncated CIFAR batch", func(t *testing.T) {
		dir := t.TempDir()
		makeCIFAR10(t, dir, true, true)
		p := filepath.Join(dir, "data_batch_3.bin")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-1], 0o644)
		_, err := Load("cifar10", dir, LoadOptions{})
		wantFormatError(t, err, p, 3073, "record 1 is incomplete")
	})
	t.Run("wrong-shape pickle", func(t *testing.T) {
		dir := t.TempDir()
		makeCIFAR10(t, dir, false, true)
		writeFiles(t, dir, map[string][]byte{"test_batch": readFixture(t, "bad_shape")})
		_, err := Load("cifar10", dir, LoadOptions{})
		wantFormatError(t, err, filepath.Join(dir, "test_batch"), -1, "want (N, 3072)")
	})
	t.Run("meta with 9 names", func(t *testing.T) {
		dir := t.TempDir()
		makeCIFAR10(t, dir, true, true)
		writeFiles(t, dir, map[string][]byte{"batches.meta.txt": []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\n")})
		_, err := Load("cifar10", dir, LoadOptions{})
		wantFormatError(t, err, filepath.Join(dir, "batches.meta.txt"), -1, "9 class names, want 10")
	})
	t.Run("empty directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Load("cifar10", dir, LoadOptions{})
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("error %v, want *NotFoundError", err)
		}
		for _, s := range []string{dir + " (--data-dir): no CIFAR-10 files (want data_batch_1..5 and test_batch", "wgtrain data download --dataset cifar10"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	})
	t.Run("coarse for cifar10", func(t *testing.T) {
		if _, err := Load("cifar10", t.TempDir(), LoadOptions{Coarse: true}); err == nil || !strings.Contains(err.Error(), "only for cifar100") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		_, err := Load("imagenet", "", LoadOptions{})
		var ue *UnknownError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "fashion-mnist, mnist, cifar10, cifar100") {
			t.Errorf("error %v", err)
		}
	})
}
