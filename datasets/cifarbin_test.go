package datasets

import (
	"bytes"
	"testing"
)

func TestCIFARBinReadsEveryPixel(t *testing.T) {
	imgs := cifarImages(0, 4)
	t.Run("cifar10", func(t *testing.T) {
		file := cifarBin([][]byte{{3}, {9}, {0}, {5}}, imgs)
		r, err := readCIFARBin("b", bytes.NewReader(file), int64(len(file)), []int{10})
		if err != nil {
			t.Fatal(err)
		}
		checkCIFARImages(t, "cifar10", r.images, 0, 4)
		if got := r.labels[0]; len(got) != 4 || got[0] != 3 || got[1] != 9 || got[2] != 0 || got[3] != 5 {
			t.Errorf("labels %v, want [3 9 0 5]", got)
		}
	})
	t.Run("cifar100", func(t *testing.T) {
		file := cifarBin([][]byte{{19, 99}, {0, 0}, {7, 42}, {3, 1}}, imgs)
		r, err := readCIFARBin("b", bytes.NewReader(file), int64(len(file)), []int{20, 100})
		if err != nil {
			t.Fatal(err)
		}
		checkCIFARImages(t, "cifar100", r.images, 0, 4)
		coarse, fine := r.labels[0], r.labels[1]
		if coarse[0] != 19 || coarse[2] != 7 || coarse[3] != 3 || fine[0] != 99 || fine[2] != 42 || fine[3] != 1 {
			t.Errorf("coarse %v fine %v, want [19 0 7 3] and [99 0 42 1]", coarse, fine)
		}
	})
	// Channel order: a record whose R plane is all 10, G all 20, B all
	// 30 decodes to planes 10, 20, 30 (NCHW: the file is already so).
	rec := append([]byte{1}, bytes.Repeat([]byte{10}, 1024)...)
	rec = append(rec, bytes.Repeat([]byte{20}, 1024)...)
	rec = append(rec, bytes.Repeat([]byte{30}, 1024)...)
	r, err := readCIFARBin("b", bytes.NewReader(rec), int64(len(rec)), []int{10})
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range []byte{10, 20, 30} {
		for _, p := range r.images[c*1024 : (c+1)*1024] {
			if p != want {
				t.Fatalf("channel %d holds %d, want %d", c, p, want)
			}
		}
	}
}

func TestCIFARBinBadInput(t *testing.T) {
	imgs := cifarImages(0, 3)
	c10 := cifarBin([][]byte{{1}, {2}, {3}}, imgs)
	c100 := cifarBin([][]byte{{1, 2}, {3, 4}, {5, 6}}, imgs)
	set := func(b []byte, off int, v byte) []byte {
		b = bytes.Clone(b)
		b[off] = v
		return b
	}
	cases := []struct {
		name   string
		file   []byte
		limits []int
		offset int64
		msg    string
	}{
		{"empty", nil, []int{10}, 0, "empty file: no records"},
		{"truncated", c10[:len(c10)-100], []int{10}, 2 * 3073, "record 2 is incomplete: the file's size 9119 is not a multiple of the record size 3073"},
		{"one byte", c10[:1], []int{10}, 0, "record 0 is incomplete"},
		{"cifar100 read as cifar10", c100, []int{10}, 3 * 3073, "not a multiple of the record size 3073"},
		{"label out of range", set(c10, 3073, 10), []int{10}, 3073, "record 1: label 10 out of range [0,10)"},
		{"label 255", set(c10, 2*3073, 255), []int{10}, 2 * 3073, "record 2: label 255 out of range"},
		{"coarse out of range", set(c100, 3074, 20), []int{20, 100}, 3074, "record 1: coarse label 20 out of range [0,20)"},
		{"fine out of range", set(c100, 2*3074+1, 100), []int{20, 100}, 2*3074 + 1, "record 2: fine label 100 out of range [0,100)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readCIFARBin("data_batch_1.bin", bytes.NewReader(c.file), int64(len(c.file)), c.limits)
			wantFormatError(t, err, "data_batch_1.bin", c.offset, c.msg)
		})
	}
	// A file shorter than its size said (it shrank while being read).
	_, err := readCIFARBin("x.bin", bytes.NewReader(c10[:3073+10]), int64(len(c10)), []int{10})
	wantFormatError(t, err, "x.bin", 3073, "record 1: truncated")
}
