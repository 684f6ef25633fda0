package evalkit

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// Predictions is a predictions file in memory: one row per sample with
// its index in the data set, its target (-1 when unknown) and its logits.
//
// On disk (docs/SPEC.md §8.1) it is CSV with the header
// index,target,logit_0,...,logit_{K-1}; the target cell is empty when
// unknown, and the logits are written shortest so that they read back to
// the same float32.
type Predictions struct {
	Index   []int     // sample index in the data set, each at least 0 and unique
	Target  []int32   // in [0, Classes), or -1 = unknown
	Logits  []float32 // row-major Len()×Classes, finite
	Classes int       // K, at least 1
}

// Len returns the number of rows.
func (p *Predictions) Len() int { return len(p.Target) }

// Row returns row i's logits.
func (p *Predictions) Row(i int) []float32 { return p.Logits[i*p.Classes : (i+1)*p.Classes] }

// Labeled reports whether every row has a target; if not, it returns the
// first row without one.
func (p *Predictions) Labeled() (bool, int) {
	for i, y := range p.Target {
		if y < 0 {
			return false, i
		}
	}
	return true, -1
}

// ReadPredictions reads a predictions file. A malformed file gets a
// *FormatError naming the file and the line.
func ReadPredictions(path string) (*Predictions, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{"read", path, err}
	}
	defer f.Close()
	p, err := ParsePredictions(f, path)
	var fe *FormatError
	if err != nil && !errors.As(err, &fe) {
		err = &FileError{"read", path, err}
	}
	return p, err
}

// ParsePredictions reads a predictions file from r; name names it in
// errors. A malformed file gets a *FormatError with the line.
func ParsePredictions(r io.Reader, name string) (*Predictions, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3) // a byte order mark, as spreadsheets write
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	bad := func(line int, format string, args ...any) error {
		return &FormatError{Path: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return bad(pe.Line, "%v", pe.Err)
		}
		return err
	}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, bad(0, "empty file: want the header index,target,logit_0,...")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	if msg := checkHeader(header); msg != "" {
		return nil, bad(1, "bad header: %s", msg)
	}
	classes := len(header) - 2

	p := &Predictions{Classes: classes}
	seen := map[int]int{} // index -> line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, bad(line, "%d columns, want %d (index, target and %d logits)", len(rec), len(header), classes)
		}
		idx, err := strconv.Atoi(rec[0])
		if err != nil || idx < 0 {
			return nil, bad(line, "index %q: want an integer >= 0", truncate(rec[0]))
		}
		if first, dup := seen[idx]; dup {
			return nil, bad(line, "index %d repeats the one on line %d", idx, first)
		}
		seen[idx] = line
		target := int32(-1)
		if rec[1] != "" {
			y, err := strconv.Atoi(rec[1])
			if err != nil {
				return nil, bad(line, "target %q: want an integer class or an empty cell", truncate(rec[1]))
			}
			if y >= classes {
				// A column missing from the header shows up here.
				return nil, bad(line, "target %d outside the %d classes [0, %d): the header has no %q column", y, classes, classes, "logit_"+strconv.Itoa(y))
			}
			if y < 0 {
				return nil, bad(line, "target %d outside the %d classes [0, %d)", y, classes, classes)
			}
			target = int32(y)
		}
		for k, cell := range rec[2:] {
			v, err := strconv.ParseFloat(cell, 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, bad(line, "logit_%d %q: want a finite float32", k, truncate(cell))
			}
			p.Logits = append(p.Logits, float32(v))
		}
		p.Index = append(p.Index, idx)
		p.Target = append(p.Target, target)
	}
	return p, nil
}

// checkHeader returns what is wrong with a predictions file's header,
// naming the column that is missing or out of place, or "" when it is
// index,target,logit_0,...,logit_{K-1} with K >= 1.
func checkHeader(header []string) string {
	got := fmt.Sprintf("%q", truncate(joinComma(header)))
	for i, name := range []string{"index", "target"} {
		switch {
		case !slices.Contains(header, name):
			return fmt.Sprintf("no %q column in %s (want index,target,logit_0,...)", name, got)
		case header[i] != name:
			return fmt.Sprintf("column %d is %q, want %q (the header is %s)", i+1, truncate(header[i]), name, got)
		}
	}
	if len(header) == 2 {
		return fmt.Sprintf("no logit columns in %s (want index,target,logit_0,...)", got)
	}
	for k, h := range header[2:] {
		want := "logit_" + strconv.Itoa(k)
		if h == want {
			continue
		}
		if j, err := strconv.Atoi(strings.TrimPrefix(h, "logit_")); err == nil && strings.HasPrefix(h, "logit_") && j > k {
			return fmt.Sprintf("no %q column (column %d is %q, want %q)", want, k+3, truncate(h), want)
		}
		return fmt.Sprintf("column %d is %q, want %q", k+3, truncate(h), want)
	}
	return ""
}

func joinComma(rec []string) string {
	var b bytes.Buffer
	for i, s := range rec {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// check reports what would keep p from reading back.
func (p *Predictions) check() error {
	n := len(p.Target)
	switch {
	case p.Classes < 1:
		return fmt.Errorf("%d classes", p.Classes)
	case p.Index != nil && len(p.Index) != n:
		return fmt.Errorf("%d indices for %d rows", len(p.Index), n)
	case len(p.Logits) != n*p.Classes:
		return fmt.Errorf("%d logits for %d rows of %d classes", len(p.Logits), n, p.Classes)
	}
	seen := make(map[int]bool, len(p.Index))
	for i, idx := range p.Index {
		if idx < 0 || seen[idx] {
			return fmt.Errorf("row %d: index %d negative or repeated", i, idx)
		}
		seen[idx] = true
	}
	for i, y := range p.Target {
		if y < -1 || int(y) >= p.Classes {
			return fmt.Errorf("row %d: target %d outside [0, %d) and not -1", i, y, p.Classes)
		}
	}
	for i, l := range p.Logits {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return fmt.Errorf("row %d: logit_%d is %v", i/p.Classes, i%p.Classes, l)
		}
	}
	return nil
}

// EncodePredictions writes p in the predictions format to w; a nil Index
// numbers the rows from 0. It returns an *InputError for predictions that
// would not read back (see Predictions).
func EncodePredictions(w io.Writer, p *Predictions) error {
	if p == nil {
		return &InputError{"WritePredictions", "nil predictions"}
	}
	if err := p.check(); err != nil {
		return &InputError{"WritePredictions", err.Error()}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	b := make([]byte, 0, 64)
	b = append(b, "index,target"...)
	for k := 0; k < p.Classes; k++ {
		b = append(b, ",logit_"...)
		b = strconv.AppendInt(b, int64(k), 10)
	}
	b = append(b, '\n')
	bw.Write(b)
	for i, y := range p.Target {
		b = b[:0]
		idx := i
		if p.Index != nil {
			idx = p.Index[i]
		}
		b = strconv.AppendInt(b, int64(idx), 10)
		b = append(b, ',')
		if y >= 0 {
			b = strconv.AppendInt(b, int64(y), 10)
		}
		for _, l := range p.Row(i) {
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(l), 'g', -1, 32)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WritePredictions writes p to path atomically (a temporary file in the
// same directory, synced and renamed): path has either its old content or
// the whole new file.
func WritePredictions(path string, p *Predictions) error {
	if err := p.check(); err != nil {
		return &InputError{"WritePredictions", err.Error()}
	}
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return &FileError{"write", path, err}
	}
	defer f.Abort()
	if err := EncodePredictions(f, p); err != nil {
		return &FileError{"write", path, err}
	}
	if err := f.Commit(); err != nil {
		return &FileError{"write", path, err}
	}
	return nil
}
