package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pixel is the value of pixel (c, y, x) of image i in the test files,
// the same formula as testdata/gen_cifar_pickles.py.
func pixel(i, c, y, x int) byte { return byte((i*37 + c*101 + y*7 + x*3) % 256) }

// cifarImages returns n CIFAR images (R, G, B planes of 32x32) made with
// pixel, starting at image number first.
func cifarImages(first, n int) []byte {
	b := make([]byte, 0, n*cifarPixels)
	for i := first; i < first+n; i++ {
		for c := range 3 {
			for y := range 32 {
				for x := range 32 {
					b = append(b, pixel(i, c, y, x))
				}
			}
		}
	}
	return b
}

// checkCIFARImages checks that images holds the n images cifarImages
// makes from first, comparing by (image, channel, row, column) so that a
// failure names the pixel.
func checkCIFARImages(t *testing.T, what string, images []byte, first, n int) {
	t.Helper()
	if len(images) != n*cifarPixels {
		t.Fatalf("%s: %d bytes of images, want %d", what, len(images), n*cifarPixels)
	}
	bad := 0
	for i := range n {
		for c := range 3 {
			for y := range 32 {
				for x := range 32 {
					got := images[i*cifarPixels+c*1024+y*32+x]
					if want := pixel(first+i, c, y, x); got != want && bad < 5 {
						t.Errorf("%s: image %d channel %d row %d column %d: %d, want %d", what, i, c, y, x, got, want)
						bad++
					}
				}
			}
		}
	}
}

// cifarBin returns a CIFAR binary file: per record, its label bytes then
// its 3072 pixels.
func cifarBin(labels [][]byte, images []byte) []byte {
	var b bytes.Buffer
	for i, l := range labels {
		b.Write(l)
		b.Write(images[i*cifarPixels : (i+1)*cifarPixels])
	}
	return b.Bytes()
}

// pickler writes protocol-2 pickles the way Python 2's cPickle wrote the
// CIFAR files: str as SHORT_BINSTRING or BINSTRING, memo entries with
// BINPUT, numpy arrays through _reconstruct and BUILD.
type pickler struct {
	bytes.Buffer
	memo int
}

func (p *pickler) put() {
	p.memo++
	if p.memo < 256 {
		p.Write([]byte{'q', byte(p.memo)})
	} else {
		p.WriteByte('r')
		binary.Write(p, binary.LittleEndian, uint32(p.memo))
	}
}

func (p *pickler) str(s string) {
	if len(s) < 256 {
		p.Write([]byte{'U', byte(len(s))})
	} else {
		p.WriteByte('T')
		binary.Write(p, binary.LittleEndian, int32(len(s)))
	}
	p.WriteString(s)
	p.put()
}

func (p *pickler) int(i int) {
	switch {
	case i >= 0 && i < 256:
		p.Write([]byte{'K', byte(i)})
	case i >= 0 && i < 65536:
		p.WriteByte('M')
		binary.Write(p, binary.LittleEndian, uint16(i))
	default:
		p.WriteByte('J')
		binary.Write(p, binary.LittleEndian, int32(i))
	}
}

func (p *pickler) global(module, name string) {
	p.WriteString("c" + module + "\n" + name + "\n")
	p.put()
}

// ints writes a list of ints with APPENDS in batches of 1000, as cPickle.
func (p *pickler) ints(v []int) {
	p.WriteByte(']')
	p.put()
	for lo := 0; lo < len(v); lo += 1000 {
		p.WriteByte('(')
		for _, x := range v[lo:min(lo+1000, len(v))] {
			p.int(x)
		}
		p.WriteByte('e')
	}
}

// strs writes a list of str.
func (p *pickler) strs(v []string) {
	p.WriteByte(']')
	p.put()
	p.WriteByte('(')
	for _, s := range v {
		p.str(s)
	}
	p.WriteByte('e')
}

// array writes a numpy array of shape with the given dtype code and data.
func (p *pickler) array(shape []int, dtype string, fortran bool, data []byte) {
	p.global("numpy.core.multiarray", "_reconstruct")
	p.global("numpy", "ndarray")
	p.int(0)
	p.WriteByte(0x85) // TUPLE1: (0,)
	p.put()
	p.str("b")
	p.WriteByte(0x87) // TUPLE3
	p.put()
	p.WriteByte('R')
	p.put()
	p.WriteByte('(')
	p.int(1)
	p.WriteByte('(')
	for _, d := range shape {
		p.int(d)
	}
	p.WriteByte('t')
	p.put()
	p.global("numpy", "dtype")
	p.str(dtype)
	p.int(0)
	p.int(1)
	p.WriteByte(0x87)
	p.put()
	p.WriteByte('R')
	p.put()
	p.WriteByte('(')
	p.int(3)
	p.str("|")
	p.WriteString("NNN")
	p.WriteString("J\xff\xff\xff\xffJ\xff\xff\xff\xff")
	p.int(0)
	p.WriteByte('t')
	p.put()
	p.WriteByte('b') // BUILD the dtype
	if fortran {
		p.WriteByte(0x88)
	} else {
		p.WriteByte(0x89)
	}
	p.str(string(data))
	p.WriteByte('t')
	p.put()
	p.WriteByte('b') // BUILD the array
}

// cifarPickle returns a CIFAR batch pickle: the n images and, for each
// key, a list of labels, plus batch_label and filenames.
func cifarPickle(images []byte, labels map[string][]int) []byte {
	return batchPickle(images, cifarPixels, labels)
}

// batchPickle is cifarPickle for images of row bytes.
func batchPickle(images []byte, row int, labels map[string][]int) []byte {
	p := &pickler{}
	p.Write([]byte{0x80, 2, '}'})
	p.put()
	p.WriteByte('(')
	p.str("batch_label")
	p.str("training batch 1 of 5")
	p.str("data")
	n := len(images) / row
	p.array([]int{n, row}, "u1", false, images)
	for _, k := range []string{"labels", "coarse_labels", "fine_labels"} {
		if v, ok := labels[k]; ok {
			p.str(k)
			p.ints(v)
		}
	}
	p.str("filenames")
	names := make([]string, n)
	for i := range names {
		names[i] = "img_" + strings.Repeat("x", i%3) + ".png"
	}
	p.strs(names)
	p.WriteString("u.")
	return p.Bytes()
}

// namesPickle returns a meta pickle: a dict of lists of names.
func namesPickle(lists map[string][]string) []byte {
	p := &pickler{}
	p.Write([]byte{0x80, 2, '}'})
	p.put()
	p.WriteByte('(')
	for k, v := range lists {
		p.str(k)
		p.strs(v)
	}
	p.WriteString("u.")
	return p.Bytes()
}

// writeFiles writes name -> contents under dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// wantFormatError checks that err is a *FormatError about file at offset
// (any offset when offset is -2) whose message holds msg.
func wantFormatError(t *testing.T, err error, file string, offset int64, msg string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FormatError", err, err)
	}
	if file != "" && fe.File != file {
		t.Errorf("error names file %q, want %q: %v", fe.File, file, err)
	}
	if offset != -2 && fe.Offset != offset {
		t.Errorf("error at offset %d, want %d: %v", fe.Offset, offset, err)
	}
	if !strings.Contains(fe.Msg, msg) {
		t.Errorf("error %q does not say %q", err, msg)
	}
}

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
