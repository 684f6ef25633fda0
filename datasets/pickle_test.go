package datasets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readPickleBytes runs readCIFARPickle on b.
func readPickleBytes(name string, b []byte, keys []string, limits []int) (*cifarRecords, error) {
	return readCIFARPickle(name, bytes.NewReader(b), int64(len(b)), keys, limits)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pickle", name))
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 datasets/testdata/gen_cifar_pickles.py)", err)
	}
	return b
}

// The fixtures were written by Python's pickle with numpy (see
// testdata/gen_cifar_pickles.py): Python 2 style as the real CIFAR files,
// and Python 3 at protocols 2 to 5, and a Fortran-ordered array.
func TestPickleFixturesCIFAR10(t *testing.T) {
	for _, name := range []string{"py2", "proto2", "proto3", "proto4", "proto5", "fortran"} {
		t.Run(name, func(t *testing.T) {
			file := "cifar10_" + name + "_data_batch"
			r, err := readPickleBytes(file, readFixture(t, file), []string{"labels"}, []int{10})
			if err != nil {
				t.Fatal(err)
			}
			checkCIFARImages(t, file, r.images, 0, 3)
			if !slices.Equal(r.labels[0], []int32{3, 9, 0}) {
				t.Errorf("labels %v, want [3 9 0]", r.labels[0])
			}
		})
	}
}

func TestPickleFixturesCIFAR100(t *testing.T) {
	r, err := readPickleBytes("train", readFixture(t, "cifar100_py2_train"), []string{"coarse_labels", "fine_labels"}, []int{20, 100})
	if err != nil {
		t.Fatal(err)
	}
	checkCIFARImages(t, "train", r.images, 0, 3)
	if !slices.Equal(r.labels[0], []int32{19, 0, 7}) || !slices.Equal(r.labels[1], []int32{99, 0, 42}) {
		t.Errorf("coarse %v fine %v, want [19 0 7] and [99 0 42]", r.labels[0], r.labels[1])
	}
}

func TestPickleFixturesMeta(t *testing.T) {
	b := readFixture(t, "cifar10_py2_batches.meta")
	names, err := readPickleNames("batches.meta", bytes.NewReader(b), int64(len(b)), "label_names", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, specs["cifar10"].classes) {
		t.Errorf("names %q", names)
	}
	b = readFixture(t, "cifar100_py2_meta")
	for key, n := range map[string]int{"fine_label_names": 100, "coarse_label_names": 20} {
		names, err := readPickleNames("meta", bytes.NewReader(b), int64(len(b)), key, n)
		if err != nil {
			t.Fatal(err)
		}
		prefix := strings.TrimSuffix(key, "_label_names")
		if names[0] != prefix+"0" || names[n-1] != fmt.Sprint(prefix, n-1) {
			t.Errorf("%s: %q ... %q", key, names[0], names[n-1])
		}
	}
	_, err = readPickleNames("meta", bytes.NewReader(b), int64(len(b)), "fine_label_names", 10)
	wantFormatError(t, err, "meta", -1, `key "fine_label_names": a list of 100, want a list of 10 names`)
	_, err = readPickleNames("meta", bytes.NewReader(b), int64(len(b)), "label_names", 10)
	wantFormatError(t, err, "meta", -1, `no key "label_names"`)
}

func TestPickleFixturesBad(t *testing.T) {
	cases := []struct{ file, msg string }{
		{"bad_shape", `key "data": numpy array of shape [9 1024], want (N, 3072)`},
		{"bad_dtype", `numpy array dtype is "i2", want uint8`},
		{"bad_label", `key "labels": record 1: label 10 out of range [0,10)`},
		{"bad_data_none", `key "data": None, want a numpy uint8 array`},
		{"bad_not_dict", "the pickle holds list, want a dict"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			_, err := readPickleBytes(c.file, readFixture(t, c.file), []string{"labels"}, []int{10})
			wantFormatError(t, err, c.file, -2, c.msg)
		})
	}
}

// The Go pickler of the tests writes what cPickle wrote; reading it back
// checks every pixel and label, and the Fortran layout.
func TestPickleWrittenInGo(t *testing.T) {
	imgs := cifarImages(0, 5)
	labels := []int{1, 2, 3, 4, 9}
	r, err := readPickleBytes("g", cifarPickle(imgs, map[string][]int{"labels": labels}), []string{"labels"}, []int{10})
	if err != nil {
		t.Fatal(err)
	}
	checkCIFARImages(t, "go pickle", r.images, 0, 5)
	if !slices.Equal(r.labels[0], []int32{1, 2, 3, 4, 9}) {
		t.Errorf("labels %v", r.labels[0])
	}

	// Over 1000 labels: several APPENDS batches, M and K ints.
	many := make([]int, 1200)
	for i := range many {
		many[i] = i % 100
	}
	p := cifarPickle(cifarImages(0, 1200), map[string][]int{"fine_labels": many, "coarse_labels": make([]int, 1200)})
	r, err = readPickleBytes("g", p, []string{"coarse_labels", "fine_labels"}, []int{20, 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.n != 1200 || r.labels[1][1199] != 99 || r.labels[1][1000] != 0 {
		t.Errorf("n %d, fine[1199] %d", r.n, r.labels[1][1199])
	}
	checkCIFARImages(t, "1200 images", r.images, 0, 1200)
}

// A pickle built by hand for one error each.
func TestPickleBadInput(t *testing.T) {
	valid := cifarPickle(cifarImages(0, 1), map[string][]int{"labels": {4}})
	arrayWith := func(shape []int, dtype string, data []byte) []byte {
		p := &pickler{}
		p.Write([]byte{0x80, 2, '}'})
		p.put()
		p.WriteByte('(')
		p.str("data")
		p.array(shape, dtype, false, data)
		p.str("labels")
		p.ints([]int{1})
		p.WriteString("u.")
		return p.Bytes()
	}
	cases := []struct {
		name   string
		file   []byte
		offset int64
		msg    string
	}{
		{"empty", nil, 0, "truncated: the pickle ends without a STOP opcode"},
		{"no STOP", valid[:len(valid)-1], int64(len(valid) - 1), "truncated: the pickle ends without a STOP opcode"},
		{"truncated in data", valid[:2000], int64(bytes.Index(valid, []byte("T\x00\x0c\x00\x00"))), `pickle opcode 'T': length 3072 runs past the end of the file`},
		{"unknown opcode", append([]byte{0x80, 2, 0xff}, valid[2:]...), 2, "unknown pickle opcode 0xff"},
		{"huge BINBYTES8", append([]byte{0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40}, '.'), 2, "length 4611686018427387904 runs past the end"},
		{"huge FRAME", append([]byte{0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, '.'), 2, "runs past the end"},
		{"negative BINSTRING", append([]byte{0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff}, '.'), 2, "length -1 runs past"},
		{"deep marks", append(bytes.Repeat([]byte{'('}, 100), '.'), 64, "MARKs nested more than 64 deep"},
		{"long line", append([]byte("\x80\x02I"), bytes.Repeat([]byte{'1'}, 70000)...), 2, "argument longer than 65536 bytes"},
		{"huge LONG4", append([]byte("\x80\x02\x8b\x00\x00\x02\x00"), make([]byte, 1<<17)...), 2, "pickle integer of 131072 bytes"},
		{"tuple without mark", []byte("\x80\x02t."), 2, "without a MARK"},
		{"GLOBAL without newline", []byte("\x80\x02cos"), 2, "truncated: pickle opcode 'c'"},
		{"os.system", []byte("\x80\x02cos\nsystem\nU\x02lsR."), -2, "Python global os.system"},
		{"zero-length LONG1", []byte("\x80\x02\x8a\x00."), -2, "malformed pickle"},
		{"bad protocol", []byte("\x80\x09}."), -2, "unsupported pickle protocol"},
		{"stack underflow", []byte("\x80\x02s."), -2, "malformed pickle"},
		{"odd dict", []byte("\x80\x02(K\x01d."), -2, "malformed pickle"},
		{"no dict", []byte("\x80\x02K\x05."), -1, "the pickle holds int, want a dict"},
		{"no data", []byte("\x80\x02}."), -1, `no key "data" in the pickled dict`},
		{"short data", arrayWith([]int{1, 3072}, "u1", make([]byte, 3000)), -2, "numpy array of shape [1 3072] needs 3072 bytes, has 3000"},
		{"zero images", arrayWith([]int{0, 3072}, "u1", nil), -1, "want (N, 3072) with N > 0"},
		{"1-D", arrayWith([]int{3072}, "u1", make([]byte, 3072)), -1, "shape [3072], want (N, 3072)"},
		{"float", arrayWith([]int{1, 3072}, "f4", make([]byte, 3072)), -2, `dtype is "f4", want uint8`},
		{"labels count", arrayWith([]int{2, 3072}, "u1", make([]byte, 6144)), -1, `key "labels": 1 labels for 2 images`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readPickleBytes("data_batch_1", c.file, []string{"labels"}, []int{10})
			wantFormatError(t, err, "data_batch_1", c.offset, c.msg)
		})
	}
}

// Every prefix of a valid pickle is an error, never a panic.
func TestPickleEveryTruncation(t *testing.T) {
	valid := cifarPickle(cifarImages(0, 1), map[string][]int{"labels": {4}})
	for n := range len(valid) {
		if _, err := readPickleBytes("p", valid[:n], []string{"labels"}, []int{10}); err == nil {
			t.Fatalf("prefix of %d bytes read without error", n)
		}
	}
	if _, err := readPickleBytes("p", valid, []string{"labels"}, []int{10}); err != nil {
		t.Fatal(err)
	}
}
