package evalkit

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/internal/testfiles"
)

func TestReadThresholds(t *testing.T) {
	tf, err := ReadThresholds("testdata/thresholds/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	if tf.Objective != F1Macro || !slices.Equal(tf.Thresholds, []float64{0.5, 0.125, 1e-3}) ||
		*tf.Tune != (Gain{0.8, 0.85}) || *tf.Eval != (Gain{0.79, 0.8}) {
		t.Errorf("got %+v", tf)
	}
	tf, err = ReadThresholds("testdata/thresholds/minimal.json")
	if err != nil || tf.Objective != "" || len(tf.Thresholds) != 2 || tf.Tune != nil {
		t.Errorf("minimal: %+v, %v", tf, err)
	}
}

func TestReadThresholdsBad(t *testing.T) {
	for _, tc := range []struct {
		file string
		line int
		msg  string
	}{
		{"syntax.json", 4, "invalid character ','"},
		{"type.json", 3, "cannot unmarshal string"},
		{"objective.json", 0, `unknown objective "auc"`},
		{"missing.json", 0, `no "thresholds"`},
		{"empty_list.json", 0, "no thresholds"},
		{"trailing.json", 2, "data after the JSON object"},
		{"truncated.json", 0, "unexpected EOF"},
	} {
		path := filepath.Join("testdata", "thresholds", tc.file)
		_, err := ReadThresholds(path)
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Path != path || fe.Line != tc.line || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: %v; want a *FormatError, line %d, %q", tc.file, err, tc.line, tc.msg)
		}
	}
}

// TestThresholdsRoundTrip: thresholds read back bit for bit.
func TestThresholdsRoundTrip(t *testing.T) {
	tf := &ThresholdsFile{
		Objective:  Accuracy,
		Thresholds: []float64{0.1, 1.0 / 3, math.SmallestNonzeroFloat64, 0.30000000000000004, 0},
		Tune:       &Gain{Without: 0.5, With: 2.0 / 3},
	}
	path := filepath.Join(t.TempDir(), "t.json")
	if err := WriteThresholds(path, tf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadThresholds(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Thresholds, tf.Thresholds) || *back.Tune != *tf.Tune || back.Eval != nil || back.Objective != tf.Objective {
		t.Errorf("read back %+v, wrote %+v", back, tf)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), `"eval"`) {
		t.Errorf("eval written although unknown:\n%s", data)
	}
	for name, bad := range map[string]*ThresholdsFile{
		"NaN":       {Thresholds: []float64{math.NaN()}},
		"empty":     {},
		"objective": {Objective: "x", Thresholds: []float64{1}},
	} {
		if err := WriteThresholds(path, bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzParseThresholds checks that ParseThresholds never panics, rejects
// only with a *FormatError naming the source, and that what it accepts
// writes out and reads back the same.
func FuzzParseThresholds(f *testing.F) {
	testfiles.FuzzSeeds(f, "testdata/thresholds/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := ParseThresholds(data, "fuzz.json")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != "fuzz.json" || fe.Line < 0 || fe.Line > strings.Count(string(data), "\n")+1 {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		b, err := tf.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseThresholds(b, "again.json")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, b)
		}
		if !slices.Equal(back.Thresholds, tf.Thresholds) || back.Objective != tf.Objective {
			t.Fatalf("round trip %+v, then %+v", tf, back)
		}
	})
}
