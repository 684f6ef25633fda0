package evalkit

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

func TestReadPredictionsValid(t *testing.T) {
	p, err := ReadPredictions("testdata/predictions/valid.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := &Predictions{
		Index:   []int{0, 1, 2, 3},
		Target:  []int32{0, 2, -1, 1},
		Logits:  []float32{1.5, -0.25, 0.125, 0.1, 0.2, 3, -1, 0, 1, 1e-7, 2.5e10, -math.MaxFloat32},
		Classes: 3,
	}
	if !equalPredictions(p, want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	if ok, row := p.Labeled(); ok || row != 2 {
		t.Errorf("Labeled = %v, %d; want false, 2", ok, row)
	}
}

func equalPredictions(a, b *Predictions) bool {
	return a.Classes == b.Classes && slices.Equal(a.Index, b.Index) && slices.Equal(a.Target, b.Target) &&
		slices.Equal(a.Logits, b.Logits)
}

// TestReadPredictionsBad: every malformed file gets a *FormatError that
// names the file and the line.
func TestReadPredictionsBad(t *testing.T) {
	for _, tc := range []struct {
		file string
		line int
		msg  string
	}{
		{"empty.csv", 0, "empty file"},
		{"bad_header.csv", 1, "bad header"},
		{"bad_header_logit.csv", 1, `column 4 is "logit_2", want "logit_1"`},
		{"missing_column.csv", 3, "4 columns, want 5"},
		{"long_row.csv", 3, "6 columns, want 5"},
		{"truncated.csv", 3, "4 columns, want 5"},
		{"non_numeric.csv", 3, `logit_1 "abc"`},
		{"nan.csv", 2, `logit_1 "NaN"`},
		{"overflow.csv", 3, `logit_1 "1e39"`},
		{"target_outside.csv", 4, "target 3 outside the 3 classes"},
		{"fractional_target.csv", 2, `target "0.5"`},
		{"duplicate_index.csv", 3, "index 0 repeats the one on line 2"},
		{"negative_index.csv", 2, `index "-4"`},
		{"bad_quote.csv", 3, "quote"},
	} {
		path := filepath.Join("testdata", "predictions", tc.file)
		_, err := ReadPredictions(path)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want *FormatError", tc.file, err)
			continue
		}
		if fe.Path != path || fe.Line != tc.line || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: %v; want line %d and %q", tc.file, err, tc.line, tc.msg)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %q does not name the file", tc.file, err)
		}
	}
}

func TestReadPredictionsMissingFile(t *testing.T) {
	_, err := ReadPredictions("testdata/predictions/no-such-file.csv")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no-such-file.csv") {
		t.Errorf("error %v, want one naming the file and wrapping fs.ErrNotExist", err)
	}
}

// TestPredictionsRoundTrip: written float32 logits read back bit for bit,
// including the extremes.
func TestPredictionsRoundTrip(t *testing.T) {
	p := &Predictions{
		Index:  []int{7, 3, 100000},
		Target: []int32{1, -1, 0},
		Logits: []float32{
			math.MaxFloat32, -math.SmallestNonzeroFloat32, 0.1,
			float32(math.Copysign(0, -1)), 1.0 / 3, 16777217,
			1e-38, -2.5, 3.4e38,
		},
		Classes: 3,
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := WritePredictions(path, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadPredictions(path)
	if err != nil {
		t.Fatal(err)
	}
	if !equalPredictions(p, q) {
		t.Errorf("read back %+v\nwrote %+v", q, p)
	}
	for i := range p.Logits {
		if math.Float32bits(p.Logits[i]) != math.Float32bits(q.Logits[i]) {
			t.Errorf("logit %d: bits %08x, wrote %08x", i, math.Float32bits(q.Logits[i]), math.Float32bits(p.Logits[i]))
		}
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "index,target,logit_0,logit_1,logit_2\n7,1,3.4028235e+38,") {
		t.Errorf("file starts %q", data[:min(len(data), 60)])
	}
	if !strings.Contains(string(data), "\n3,,") {
		t.Errorf("unknown target not written as an empty cell: %q", data)
	}
}

// TestWritePredictionsRejects: what would not read back is refused and
// leaves the old file in place.
func TestWritePredictionsRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Predictions{
		"NaN":        {Target: []int32{0}, Logits: []float32{float32(math.NaN())}, Classes: 1},
		"Inf":        {Target: []int32{0}, Logits: []float32{float32(math.Inf(1))}, Classes: 1},
		"target":     {Target: []int32{1}, Logits: []float32{1}, Classes: 1},
		"logits":     {Target: []int32{0}, Logits: []float32{1, 2}, Classes: 1},
		"duplicates": {Index: []int{1, 1}, Target: []int32{0, 0}, Logits: []float32{1, 2}, Classes: 1},
		"classes":    {Classes: 0},
	} {
		if err := WritePredictions(path, p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("file changed to %q", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want 1 (no temporary left)", len(entries))
	}
}

func TestParsePredictionsBOMAndCRLF(t *testing.T) {
	in := "\uFEFFindex,target,logit_0,logit_1\r\n0,1,0.5,-0.5\r\n"
	p, err := ParsePredictions(strings.NewReader(in), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 1 || p.Target[0] != 1 || p.Logits[1] != -0.5 {
		t.Errorf("got %+v", p)
	}
	// A header without rows is a file of zero predictions.
	p, err = ParsePredictions(strings.NewReader("index,target,logit_0\n"), "x.csv")
	if err != nil || p.Len() != 0 || p.Classes != 1 {
		t.Errorf("header only: %+v, %v", p, err)
	}
}

// FuzzParsePredictions checks that ParsePredictions never panics, that it
// rejects only with a *FormatError naming the source (with a line within
// the input), and that whatever it accepts writes out and reads back to
// the same predictions.
func FuzzParsePredictions(f *testing.F) {
	for _, data := range testfiles.FuzzSeeds(f, "testdata/predictions/*.csv") {
		if len(data) > 10 {
			f.Add(data[:len(data)/2]) // truncated
		}
	}
	f.Add([]byte("index,target,logit_0\n0,0,0x1p-3\n1,,-0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePredictions(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != "fuzz.csv" {
				t.Fatalf("error %v (%T), want *FormatError for fuzz.csv", err, err)
			}
			if fe.Line < 0 || fe.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("line %d outside the input: %v", fe.Line, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := EncodePredictions(&buf, p); err != nil {
			t.Fatalf("accepted predictions do not encode: %v", err)
		}
		q, err := ParsePredictions(&buf, "again.csv")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.Bytes())
		}
		if !equalPredictions(p, q) {
			t.Fatalf("round trip: %+v\nthen %+v", p, q)
		}
	})
}
