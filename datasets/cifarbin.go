package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// cifarPixels is the size of one CIFAR image: 3 planes (R, G, B) of
// 32x32 bytes, row-major, which is already NCHW.
const cifarPixels = 3 * 32 * 32

// cifarRecords are the decoded records of CIFAR files.
type cifarRecords struct {
	n      int
	images []byte    // n*cifarPixels
	labels [][]int32 // one slice per label kind (CIFAR-100: coarse, fine)
}

// readCIFARBin decodes a CIFAR binary file of size bytes: records of
// len(limits) label bytes (CIFAR-10: the label; CIFAR-100: the coarse
// label, then the fine one) and 3072 pixel bytes. Label byte k must be
// below limits[k].
func readCIFARBin(file string, r io.Reader, size int64, limits []int) (*cifarRecords, error) {
	return readRecords(file, r, size, limits, cifarPixels)
}

// readRecords is readCIFARBin for images of pixels bytes (cifarPixels;
// the fuzz test uses small ones, so that its inputs are small).
func readRecords(file string, r io.Reader, size int64, limits []int, pixels int) (*cifarRecords, error) {
	rec := int64(len(limits) + pixels)
	switch {
	case size == 0:
		return nil, formatErr(file, 0, "empty file: no records")
	case size%rec != 0:
		return nil, formatErr(file, size-size%rec, fmt.Sprintf(
			"record %d is incomplete: the file's size %d is not a multiple of the record size %d (%d label bytes + %d pixels)",
			size/rec, size, rec, len(limits), pixels))
	case size > maxDataBytes:
		return nil, formatErr(file, 0, fmt.Sprintf("file of %d bytes is larger than any CIFAR file", size))
	}
	n := int(size / rec)
	out := &cifarRecords{n: n, images: make([]byte, n*pixels), labels: make([][]int32, len(limits))}
	for k := range out.labels {
		out.labels[k] = make([]int32, n)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	var lab [2]byte
	for i := range n {
		off := int64(i) * rec
		if _, err := io.ReadFull(br, lab[:len(limits)]); err == nil {
			_, err = io.ReadFull(br, out.images[i*pixels:(i+1)*pixels])
			if err != nil {
				return nil, truncErr(file, off, i, err)
			}
		} else {
			return nil, truncErr(file, off, i, err)
		}
		for k, lim := range limits {
			if int(lab[k]) >= lim {
				return nil, formatErr(file, off+int64(k), fmt.Sprintf("record %d: %s %d out of range [0,%d)", i, labelKind(len(limits), k), lab[k], lim))
			}
			out.labels[k][i] = int32(lab[k])
		}
	}
	return out, nil
}

// labelKind names label byte k of a record with nk label bytes.
func labelKind(nk, k int) string {
	if nk == 1 {
		return "label"
	}
	return [...]string{"coarse label", "fine label"}[k]
}

// truncErr reports a file that ended (or failed) in record i.
func truncErr(file string, off int64, i int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(file, off, fmt.Sprintf("record %d: truncated (the file is shorter than its size said)", i))
	}
	return readErr(file, err)
}
