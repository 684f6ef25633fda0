package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxDataBytes bounds what one data file may decode to (CIFAR-100's
// train file, the largest, is 150 MiB), so that a corrupt header cannot
// make a reader allocate without limit.
const maxDataBytes = 1 << 31

// idxData is a decoded IDX file of unsigned bytes.
type idxData struct {
	dims []int  // e.g. [count rows cols] for images, [count] for labels
	data []byte // the items, row-major
	head int64  // the header's length: data[i] is at offset head+i
}

// readIDX decodes an IDX file of unsigned bytes with ndims dimensions
// from r, gunzipping it when it starts with the gzip magic. Offsets in
// errors count bytes of the uncompressed stream.
func readIDX(file string, r io.Reader, ndims int) (*idxData, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var rd io.Reader = br
	gz := false
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErr(file, 0, "bad gzip header: "+err.Error())
		}
		z.Multistream(false)
		rd, gz = z, true
	}
	cr := &countReader{r: rd}
	readErr := func(want string, err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErr(file, cr.n, "truncated: the file ends before the "+want)
		}
		if gz {
			return formatErr(file, cr.n, "corrupt gzip stream: "+err.Error())
		}
		return readErr(file, err)
	}

	var magic [4]byte
	if _, err := io.ReadFull(cr, magic[:]); err != nil {
		return nil, readErr("magic number", err)
	}
	want := 0x00000800 | uint32(ndims)
	if got := binary.BigEndian.Uint32(magic[:]); got != want {
		what := "labels"
		if ndims == 3 {
			what = "images"
		}
		msg := fmt.Sprintf("bad magic number 0x%08x, want 0x%08x (IDX %s of unsigned bytes)", got, want, what)
		if magic[0] != 0 || magic[1] != 0 {
			msg += "; not an IDX file"
		}
		return nil, formatErr(file, 0, msg)
	}
	dims := make([]int, ndims)
	total := int64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(cr, b[:]); err != nil {
			return nil, readErr("header", err)
		}
		d := binary.BigEndian.Uint32(b[:])
		if d == 0 {
			return nil, formatErr(file, cr.n-4, fmt.Sprintf("dimension %d is 0", i))
		}
		dims[i] = int(d)
		total *= int64(d)
		if total > maxDataBytes {
			return nil, formatErr(file, cr.n-4, fmt.Sprintf("dimensions %v describe more than %d bytes", dims[:i+1], int64(maxDataBytes)))
		}
	}
	head := cr.n
	data, err := readUpTo(cr, int(total))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, readErr("data", err)
	}
	if len(data) < int(total) {
		item := int64(total) / int64(dims[0])
		return nil, formatErr(file, cr.n, fmt.Sprintf("truncated: item %d of %d is incomplete (%d of %d data bytes present)",
			int64(len(data))/item, dims[0], len(data), total))
	}
	// Read on to the end, which also checks a gzip stream's CRC.
	var one [1]byte
	n, err := io.ReadFull(cr, one[:])
	if n > 0 {
		return nil, formatErr(file, head+total, fmt.Sprintf("trailing data after the %d items the header declares", dims[0]))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, readErr("end", err)
	}
	return &idxData{dims: dims, data: data, head: head}, nil
}

// readUpTo reads up to n bytes, growing its buffer as data arrive, so
// that a header claiming much more than the file holds costs little.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
			buf = buf[:len(buf):min(n, cap(buf))]
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// loadIDX decodes MNIST or Fashion-MNIST.
func loadIDX(ds *Dataset, s *spec, dir string) error {
	ds.Classes = s.classes
	var err error
	if ds.Train, err = readIDXSplit("train", dir, "train", len(s.classes)); err != nil {
		return err
	}
	if ds.Test, err = readIDXSplit("test", dir, "t10k", len(s.classes)); err != nil {
		return err
	}
	if ds.Train.H != ds.Test.H || ds.Train.W != ds.Test.W {
		return fmt.Errorf("datasets: %s: train images are %dx%d but test images %dx%d",
			dir, ds.Train.H, ds.Train.W, ds.Test.H, ds.Test.W)
	}
	return nil
}

// readIDXSplit reads prefix-images-idx3-ubyte and prefix-labels-idx1-ubyte
// (each .gz or not) from dir.
func readIDXSplit(name, dir, prefix string, classes int) (*Split, error) {
	imgPath, _ := findFile(dir, prefix+"-images-idx3-ubyte", true)
	labPath, _ := findFile(dir, prefix+"-labels-idx1-ubyte", true)
	img, err := readIDXFile(imgPath, 3)
	if err != nil {
		return nil, err
	}
	lab, err := readIDXFile(labPath, 1)
	if err != nil {
		return nil, err
	}
	if lab.dims[0] != img.dims[0] {
		return nil, formatErr(labPath, 4, fmt.Sprintf("%d labels, but %s holds %d images", lab.dims[0], filepath.Base(imgPath), img.dims[0]))
	}
	labels := make([]int32, len(lab.data))
	for i, l := range lab.data {
		if int(l) >= classes {
			return nil, formatErr(labPath, lab.head+int64(i), fmt.Sprintf("record %d: label %d out of range [0,%d)", i, l, classes))
		}
		labels[i] = int32(l)
	}
	return &Split{Name: name, Images: img.data, Labels: labels, C: 1, H: img.dims[1], W: img.dims[2]}, nil
}

// readIDXFile opens and decodes an IDX file.
func readIDXFile(path string, ndims int) (*idxData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return readIDX(path, f, ndims)
}
