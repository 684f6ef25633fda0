package evalkit

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The metadata goes beside the predictions file, reads back, is absent
// for an older file, and a bad one is an error naming it.
func TestPredictionsMeta(t *testing.T) {
	for in, want := range map[string]string{"run/test.csv": "run/test.meta.json", "preds": "preds.meta.json"} {
		if got := PredictionsMetaPath(in); got != want {
			t.Errorf("PredictionsMetaPath(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "test.csv")
	p := &Predictions{Classes: 2, Target: []int32{0, 1}, Logits: []float32{1, 0, 0, 1}}
	meta := &PredictionsMeta{Classes: []string{"cat", "dog"}, Split: "test", Epoch: 4, Dataset: "pets", Checkpoint: "best.safetensors"}
	if err := WritePredictionsWithMeta(path, p, meta); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPredictionsMeta(path, 2)
	if err != nil || got == nil || !slices.Equal(got.Classes, meta.Classes) || got.Split != "test" || got.Epoch != 4 || got.Dataset != "pets" || got.Checkpoint != "best.safetensors" {
		t.Fatalf("read back %+v, %v; wrote %+v", got, err, meta)
	}
	if back, err := ReadPredictions(path); err != nil || back.Len() != 2 {
		t.Fatalf("the predictions file: %v", err)
	}
	if m, err := ReadPredictionsMeta(filepath.Join(dir, "old.csv"), 2); m != nil || err != nil {
		t.Errorf("no metadata: %+v, %v; want nil, nil", m, err)
	}
	var fe *FormatError
	if _, err := ReadPredictionsMeta(path, 3); !errors.As(err, &fe) || !strings.Contains(err.Error(), "test.meta.json") || !strings.Contains(err.Error(), "2 class names for 3 classes") {
		t.Errorf("3 classes: %v", err)
	}
	os.WriteFile(PredictionsMetaPath(path), []byte(`{"epoch": "x"}`), 0o644)
	if _, err := ReadPredictionsMeta(path, 2); !errors.As(err, &fe) || !strings.Contains(err.Error(), "test.meta.json") {
		t.Errorf("malformed: %v", err)
	}
	// A failed write leaves no metadata of the older file behind.
	if err := WritePredictionsWithMeta(path, p, meta); err != nil {
		t.Fatal(err)
	}
	bad := &Predictions{Classes: 2, Target: []int32{0}, Logits: []float32{1}}
	if err := WritePredictionsWithMeta(path, bad, &PredictionsMeta{Split: "valid"}); err == nil {
		t.Fatal("predictions with too few logits were written")
	}
	if _, err := os.Stat(PredictionsMetaPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the older metadata survived a failed write: %v", err)
	}
	var ie *InputError
	if err := WritePredictionsWithMeta(path, p, &PredictionsMeta{Classes: []string{"one"}}); !errors.As(err, &ie) {
		t.Errorf("1 name for 2 classes: %v, want an *InputError", err)
	}
}
