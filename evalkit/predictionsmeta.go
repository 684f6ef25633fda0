package evalkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// PredictionsMeta says what a predictions file holds (docs/SPEC.md
// §8.1): the names of its classes, the data split and the epoch of the
// model. It lives in a JSON file beside the predictions file
// (PredictionsMetaPath); every field may be left out, and a predictions
// file without one reads as before.
type PredictionsMeta struct {
	Classes    []string `json:"classes,omitempty"`    // the class names, indexed by label
	Split      string   `json:"split,omitempty"`      // "train", "valid", "test", ...
	Epoch      int      `json:"epoch,omitempty"`      // the model's 1-based epoch, 0 when unknown
	Dataset    string   `json:"dataset,omitempty"`    // the data set the split is of
	Checkpoint string   `json:"checkpoint,omitempty"` // the weights file that made them, when one did
	// Files, for predictions on image files (wgtrain predict --images),
	// holds each row's file path, in the order of the index column.
	Files []string `json:"files,omitempty"`
}

// PredictionsMetaPath returns the path of a predictions file's metadata:
// its path with ".csv" replaced by ".meta.json" (".meta.json" appended
// when it does not end in ".csv").
func PredictionsMetaPath(predictions string) string {
	return strings.TrimSuffix(predictions, ".csv") + ".meta.json"
}

// check reports what makes m unfit for predictions of that many classes
// (any number when classes is 0).
func (m *PredictionsMeta) check(classes int) error {
	if m.Epoch < 0 {
		return fmt.Errorf("epoch %d: want a 1-based epoch, or 0 for unknown", m.Epoch)
	}
	if m.Classes != nil && classes > 0 && len(m.Classes) != classes {
		return fmt.Errorf("%d class names for %d classes", len(m.Classes), classes)
	}
	for i, n := range m.Classes {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("class %d has an empty name", i)
		}
	}
	return nil
}

// WritePredictionsWithMeta writes p to path as WritePredictions does and
// meta to PredictionsMetaPath(path), both atomically. It first removes
// the metadata of an older file at path, so a crash in between leaves a
// predictions file without metadata, never one with another file's.
func WritePredictionsWithMeta(path string, p *Predictions, meta *PredictionsMeta) error {
	if err := meta.check(p.Classes); err != nil {
		return &InputError{"WritePredictionsWithMeta", err.Error()}
	}
	if meta.Files != nil && len(meta.Files) != p.Len() {
		return &InputError{"WritePredictionsWithMeta", fmt.Sprintf("%d file names for %d rows", len(meta.Files), p.Len())}
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return &InputError{"WritePredictionsWithMeta", err.Error()}
	}
	mp := PredictionsMetaPath(path)
	if err := os.Remove(mp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &FileError{"write", mp, err}
	}
	if err := WritePredictions(path, p); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(mp, append(b, '\n'), 0o644); err != nil {
		return &FileError{"write", mp, err}
	}
	return nil
}

// ReadPredictionsMeta reads the metadata of the predictions file at path
// (PredictionsMetaPath), checked against the file's number of classes
// (any number when classes is 0). It returns nil and no error when there
// is none; a malformed one gets a *FormatError.
func ReadPredictionsMeta(path string, classes int) (*PredictionsMeta, error) {
	mp := PredictionsMetaPath(path)
	data, err := os.ReadFile(mp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &FileError{"read", mp, err}
	}
	var m PredictionsMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &FormatError{Path: mp, Msg: err.Error()}
	}
	if err := m.check(classes); err != nil {
		return nil, &FormatError{Path: mp, Msg: fmt.Sprintf("%v (%s)", err, path)}
	}
	return &m, nil
}
