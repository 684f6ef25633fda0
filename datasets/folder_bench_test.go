package datasets

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const fashionDir = "/usr/share/datasets/fashion-mnist"

// writeFashionFolder writes the first n Fashion-MNIST test images as
// 28×28 gray PNGs into root/<label>/<index>.png and returns the split.
func writeFashionFolder(tb testing.TB, root string, n int) *Split {
	tb.Helper()
	if _, err := os.Stat(fashionDir); err != nil {
		tb.Skip("Fashion-MNIST is not installed")
	}
	s, err := readIDXSplit("test", fashionDir, "t10k", 10)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		im := &image.Gray{Pix: s.Image(i), Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
		var b bytes.Buffer
		if err := png.Encode(&b, im); err != nil {
			tb.Fatal(err)
		}
		p := filepath.Join(root, fmt.Sprintf("c%d", s.Labels[i]), fmt.Sprintf("%05d.png", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// TestFolderMatchesIDX reads Fashion-MNIST images written as PNG at their
// own size and finds the IDX file's bytes exactly.
func TestFolderMatchesIDX(t *testing.T) {
	root := t.TempDir()
	s := writeFashionFolder(t, root, 200)
	ds, err := Load(Folder, root, LoadOptions{ImageSize: 28, Channels: 1, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.Len() != 200 {
		t.Fatalf("%d samples", ds.Train.Len())
	}
	for k, f := range ds.Train.Files {
		var i int
		var c string
		fmt.Sscanf(filepath.Base(f), "%05d.png", &i)
		c = filepath.Base(filepath.Dir(f))
		if !bytes.Equal(ds.Train.Image(k), s.Image(i)) || c != fmt.Sprintf("c%d", s.Labels[i]) || ds.Classes[ds.Train.Labels[k]] != c {
			t.Fatalf("%s differs from IDX image %d", f, i)
		}
	}
}

// BenchmarkFolderThroughput measures images/s of 10,000 Fashion-MNIST
// test images written as PNG: the first (decoding) pass, a cached load,
// and reading the IDX file. Run with
//
//	go test -run XXX -bench FolderThroughput -benchtime 1x ./datasets/
func BenchmarkFolderThroughput(b *testing.B) {
	const n = 10000
	root := b.TempDir()
	writeFashionFolder(b, root, n)
	for range b.N {
		cache := b.TempDir()
		o := LoadOptions{ImageSize: 28, Channels: 1, CacheDir: cache}
		t0 := time.Now()
		if _, err := Load(Folder, root, o); err != nil {
			b.Fatal(err)
		}
		first := time.Since(t0)
		t0 = time.Now()
		before := decodedFiles.Load()
		if _, err := Load(Folder, root, o); err != nil {
			b.Fatal(err)
		}
		cached := time.Since(t0)
		if decodedFiles.Load() != before {
			b.Fatal("the second load decoded files")
		}
		o.ImageSize, o.Channels = 32, 3
		t0 = time.Now()
		if _, err := Load(Folder, root, o); err != nil {
			b.Fatal(err)
		}
		resized := time.Since(t0)
		t0 = time.Now()
		if _, err := readIDXSplit("test", fashionDir, "t10k", 10); err != nil {
			b.Fatal(err)
		}
		idx := time.Since(t0)
		b.ReportMetric(n/first.Seconds(), "first-img/s")
		b.ReportMetric(n/resized.Seconds(), "first32rgb-img/s")
		b.ReportMetric(n/cached.Seconds(), "cached-img/s")
		b.ReportMetric(n/idx.Seconds(), "idx-img/s")
	}
}
