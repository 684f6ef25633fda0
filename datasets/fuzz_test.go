package datasets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// checkFuzzError checks that a parser rejected its input with a
// *FormatError naming the file, an offset that is -1 or inside the
// input (maxOff < 0: no bound, for gzipped input), and a message.
func checkFuzzError(t *testing.T, err error, file string, maxOff int) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FormatError", err, err)
	}
	if fe.File != file || fe.Offset < -1 || (maxOff >= 0 && fe.Offset > int64(maxOff)) || fe.Msg == "" {
		t.Fatalf("error %#v names another file, a bad offset or nothing", fe)
	}
}

// FuzzIDX checks that readIDX never panics, rejects only with a
// *FormatError, and that what it accepts is consistent with its header.
func FuzzIDX(f *testing.F) {
	imgs := testfiles.IDX([]int{2, 28, 28}, mnistImages(2))
	small := testfiles.IDX([]int{2, 2, 3}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	labels := testfiles.IDX([]int{3}, []byte{1, 2, 9})
	for _, b := range [][]byte{imgs, small, labels, testfiles.Gzip(imgs), testfiles.Gzip(small), testfiles.Gzip(labels),
		imgs[:100], labels[:7], testfiles.Gzip(imgs)[:40], append(bytes.Clone(labels), 0),
		{0, 0, 8, 3, 0, 0, 0, 0}, {0x1f, 0x8b}} {
		f.Add(b, uint8(3))
		f.Add(b, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, nd uint8) {
		ndims := 1 + int(nd%2)*2 // 1 or 3
		d, err := readIDX("f", bytes.NewReader(data), ndims)
		if err != nil {
			maxOff := len(data)
			if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
				maxOff = -1
			}
			checkFuzzError(t, err, "f", maxOff)
			return
		}
		n := 1
		for _, x := range d.dims {
			if x < 1 {
				t.Fatalf("accepted dimension %d", x)
			}
			n *= x
		}
		if len(d.dims) != ndims || len(d.data) != n || d.head != int64(4+4*ndims) {
			t.Fatalf("dims %v, %d bytes, header %d", d.dims, len(d.data), d.head)
		}
		if data[0] != 0x1f && !bytes.Equal(d.data, data[d.head:]) {
			t.Fatal("the items differ from the file's")
		}
	})
}

// FuzzCIFARBinary checks that the CIFAR binary reader never panics,
// rejects only with a *FormatError, and accepts only whole records with
// labels in range, which it decodes in place. mode&1 selects CIFAR-100's
// two label bytes; mode&2 real 3072-byte images, else 4-byte ones, so
// that the fuzzer's small inputs hold several records.
func FuzzCIFARBinary(f *testing.F) {
	imgs := cifarImages(0, 2)
	f.Add(cifarBin([][]byte{{1}, {9}}, imgs), uint8(2))
	f.Add(cifarBin([][]byte{{19, 99}, {0, 5}}, imgs), uint8(3))
	f.Add(cifarBin([][]byte{{1}, {9}}, imgs)[:3000], uint8(2))
	for _, b := range [][]byte{{1, 10, 20, 30, 40, 9, 1, 2, 3, 4}, {19, 99, 1, 2, 3, 4, 0, 0, 5, 5, 5, 5},
		{1, 2, 3}, {10, 0, 0, 0, 0}, {20, 0, 0, 0, 0, 0}, nil} {
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		limits := []int{10}
		if mode&1 == 1 {
			limits = []int{20, 100}
		}
		pixels := 4
		if mode&2 == 2 {
			pixels = cifarPixels
		}
		r, err := readRecords("f.bin", bytes.NewReader(data), int64(len(data)), limits, pixels)
		if err != nil {
			checkFuzzError(t, err, "f.bin", len(data))
			return
		}
		rec := len(limits) + pixels
		if r.n < 1 || r.n*rec != len(data) || len(r.images) != r.n*pixels {
			t.Fatalf("%d records from %d bytes", r.n, len(data))
		}
		for i := range r.n {
			for k, lim := range limits {
				if l := r.labels[k][i]; l < 0 || int(l) >= lim || byte(l) != data[i*rec+k] {
					t.Fatalf("record %d label %d: %d", i, k, l)
				}
			}
			if !bytes.Equal(r.images[i*pixels:(i+1)*pixels], data[i*rec+len(limits):(i+1)*rec]) {
				t.Fatalf("record %d: pixels differ from the file's", i)
			}
		}
	})
}

// FuzzCIFARPickle checks that the pickle reader never panics, never
// allocates beyond the file's size, rejects only with a *FormatError,
// and accepts only a batch of whole images with labels in range. With
// full, images are CIFAR's 3072 bytes; else 4 bytes, so that valid
// pickles are small enough for the fuzzer to mutate well.
func FuzzCIFARPickle(f *testing.F) {
	f.Add(cifarPickle(cifarImages(0, 1), map[string][]int{"labels": {4}}), true)
	small := batchPickle([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 4, map[string][]int{"labels": {4, 9}})
	f.Add(small, false)
	f.Add(small[:len(small)/2], false)
	f.Add(namesPickle(map[string][]string{"label_names": {"a", "b"}}), false)
	for _, b := range []string{"\x80\x02}q\x01.", "\x80\x02\x8a\x00.", "\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94.", "(lp0\nI1\naI2\na."} {
		f.Add([]byte(b), false)
	}
	fixtures, err := filepath.Glob("testdata/pickle/*")
	if err != nil || len(fixtures) < 10 {
		f.Fatalf("fixtures: %v, %v", fixtures, err)
	}
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, full bool) {
		row := 4
		if full {
			row = cifarPixels
		}
		r, err := readPickleRows("p", bytes.NewReader(data), int64(len(data)), []string{"labels"}, []int{10}, row)
		if err != nil {
			checkFuzzError(t, err, "p", len(data))
		} else {
			if r.n < 1 || len(r.images) != r.n*row || len(r.labels[0]) != r.n {
				t.Fatalf("%d images, %d bytes, %d labels", r.n, len(r.images), len(r.labels[0]))
			}
			for _, l := range r.labels[0] {
				if l < 0 || l >= 10 {
					t.Fatalf("label %d accepted", l)
				}
			}
		}
		names, err := readPickleNames("m", bytes.NewReader(data), int64(len(data)), "label_names", 2)
		if err != nil {
			checkFuzzError(t, err, "m", len(data))
		} else if len(names) != 2 {
			t.Fatalf("%d names", len(names))
		}
	})
}
