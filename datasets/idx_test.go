package datasets

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

// mnistImages returns n 28x28 images whose pixel (i, y, x) is
// (i*31 + y*28 + x) % 256.
func mnistImages(n int) []byte {
	b := make([]byte, 0, n*28*28)
	for i := range n {
		for y := range 28 {
			for x := range 28 {
				b = append(b, byte((i*31+y*28+x)%256))
			}
		}
	}
	return b
}

func TestIDXReadsEveryByte(t *testing.T) {
	imgs := mnistImages(5)
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprint("gzip=", gz), func(t *testing.T) {
			file := testfiles.IDX([]int{5, 28, 28}, imgs)
			if gz {
				file = testfiles.Gzip(file)
			}
			got, err := readIDX("imgs", bytes.NewReader(file), 3)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.dims) != "[5 28 28]" || got.head != 16 {
				t.Fatalf("dims %v head %d, want [5 28 28] and 16", got.dims, got.head)
			}
			for i := range 5 {
				for y := range 28 {
					for x := range 28 {
						if g, w := got.data[i*784+y*28+x], byte((i*31+y*28+x)%256); g != w {
							t.Fatalf("image %d row %d column %d: %d, want %d", i, y, x, g, w)
						}
					}
				}
			}
			labels := []byte{7, 0, 9, 3, 3}
			file = testfiles.IDX([]int{5}, labels)
			if gz {
				file = testfiles.Gzip(file)
			}
			l, err := readIDX("labels", bytes.NewReader(file), 1)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(l.data, labels) || l.head != 8 {
				t.Fatalf("labels %v head %d, want %v and 8", l.data, l.head, labels)
			}
		})
	}
}

func TestIDXBadInput(t *testing.T) {
	good := testfiles.IDX([]int{2, 3, 4}, make([]byte, 24))
	corrupt := testfiles.Gzip(testfiles.IDX([]int{2, 3, 4}, bytes.Repeat([]byte{1, 2, 3}, 8)))
	corrupt[len(corrupt)-8] ^= 0xff // the CRC
	noise := make([]byte, 2*30*40)
	for i := range noise {
		noise[i] = byte(i * i * 2654435761 >> 13)
	}
	noisy := testfiles.Gzip(testfiles.IDX([]int{2, 30, 40}, noise))
	cases := []struct {
		name   string
		file   []byte
		ndims  int
		offset int64
		msg    string
	}{
		{"empty", nil, 3, 0, "truncated: the file ends before the magic number"},
		{"short magic", good[:3], 3, 3, "truncated"},
		{"labels for images", testfiles.IDX([]int{24}, make([]byte, 24)), 3, 0, "bad magic number 0x00000801, want 0x00000803 (IDX images"},
		{"images for labels", good, 1, 0, "bad magic number 0x00000803, want 0x00000801 (IDX labels"},
		{"not IDX", []byte("GIF89a, a picture"), 3, 0, "not an IDX file"},
		{"signed bytes", append([]byte{0, 0, 9, 3}, good[4:]...), 3, 0, "bad magic number 0x00000903"},
		{"short header", good[:10], 3, 10, "truncated: the file ends before the header"},
		{"zero dimension", testfiles.IDX([]int{0, 3, 4}, nil), 3, 4, "dimension 0 is 0"},
		{"huge", testfiles.IDX([]int{1 << 20, 1 << 10, 1 << 10}, nil), 3, 12, "describe more than"},
		{"truncated data", good[:16+13], 3, 29, "item 1 of 2 is incomplete (13 of 24 data bytes present)"},
		{"trailing data", append(good[:len(good):len(good)], 0), 3, 40, "trailing data after the 2 items"},
		{"truncated gzip", noisy[:len(noisy)/2], 3, -2, "of 2 is incomplete"},
		{"bad gzip CRC", corrupt, 3, 40, "corrupt gzip stream"},
		{"bad gzip header", []byte{0x1f, 0x8b, 1, 2, 3}, 3, 0, "bad gzip header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := readIDX("f.idx", bytes.NewReader(c.file), c.ndims)
			if err == nil {
				t.Fatalf("no error; read %v", d.dims)
			}
			wantFormatError(t, err, "f.idx", c.offset, c.msg)
		})
	}
}
