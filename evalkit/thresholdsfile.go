package evalkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// Gain is an objective without and with thresholds on one file.
type Gain struct {
	Without float64 `json:"without"`
	With    float64 `json:"with"`
}

// ThresholdsFile is the thresholds file that `wgtrain thresholds --out`
// writes and `wgtrain report --thresholds` reads (docs/SPEC.md §8.3):
//
//	{"objective":"f1-macro","thresholds":[...],"tune":{"without":..,"with":..},"eval":{"without":..,"with":..}}
//
// Only thresholds is required when reading; tune and eval are left out
// when unknown, and cv (`wgtrain thresholds --cv`, the cross-validation
// of the search on the tune file) when not run. Numbers are written shortest-exact, so thresholds read
// back to the same float64 and reproduce the same predictions.
type ThresholdsFile struct {
	Objective  Objective     `json:"objective"`
	Thresholds []float64     `json:"thresholds"`
	Tune       *Gain         `json:"tune,omitempty"`
	Eval       *Gain         `json:"eval,omitempty"`
	CV         *ThresholdsCV `json:"cv,omitempty"`
}

// MarshalIndent returns t as indented JSON ending in a newline.
func (t *ThresholdsFile) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteThresholds writes t to path atomically.
func WriteThresholds(path string, t *ThresholdsFile) error {
	if err := t.check(); err != nil {
		return &InputError{"WriteThresholds", err.Error()}
	}
	b, err := t.MarshalIndent()
	if err != nil {
		return &InputError{"WriteThresholds", err.Error()}
	}
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return &FileError{"write", path, err}
	}
	return nil
}

func (t *ThresholdsFile) check() error {
	if t.Objective != "" && !t.Objective.Valid() {
		return fmt.Errorf("unknown objective %q", t.Objective)
	}
	if len(t.Thresholds) == 0 {
		return errors.New("no thresholds")
	}
	for k, v := range t.Thresholds {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("threshold of class %d is %v", k, v)
		}
	}
	return nil
}

// ReadThresholds reads a thresholds file. A malformed file gets a
// *FormatError naming the file and, for bad JSON, the line.
func ReadThresholds(path string) (*ThresholdsFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{"read", path, err}
	}
	return ParseThresholds(data, path)
}

// ParseThresholds parses a thresholds file's content; name names it in
// errors.
func ParseThresholds(data []byte, name string) (*ThresholdsFile, error) {
	var t ThresholdsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&t); err != nil {
		line := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line = lineAt(data, se.Offset)
		case errors.As(err, &te):
			line = lineAt(data, te.Offset)
		}
		return nil, &FormatError{Path: name, Line: line, Msg: "bad thresholds JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &FormatError{Path: name, Line: lineAt(data, dec.InputOffset()), Msg: "data after the JSON object"}
	}
	if t.Thresholds == nil {
		return nil, &FormatError{Path: name, Msg: `no "thresholds" array`}
	}
	if err := t.check(); err != nil {
		return nil, &FormatError{Path: name, Msg: err.Error()}
	}
	return &t, nil
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}
