package tfevents

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The check vector of docs/SPEC.md §8.5.
func TestMaskedCRCVector(t *testing.T) {
	if got := MaskedCRC([]byte("\x1a\x11CRC test, one two")); got != 0x5794d08a {
		t.Fatalf("masked CRC = %#x, want 0x5794d08a", got)
	}
}

func TestWriteAndDecode(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "train"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(w.Path()), "events.out.tfevents.") {
		t.Errorf("file name %s", w.Path())
	}
	if err := w.Scalars(7, map[string]float64{"loss/epoch": 0.5, "accuracy01/epoch": 0.25, "unused": 1}, []string{"loss/epoch", "accuracy01/epoch"}); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG fake")
	if err := w.Image(3, "confusion_matrix", png, 20, 10); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRecords(data)
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	ev0, _ := DecodeEvent(recs[0])
	if ev0.Version != "brain.Event:2" || ev0.Wall < 1e9 {
		t.Errorf("first event %+v", ev0)
	}
	ev1, _ := DecodeEvent(recs[1])
	if ev1.Step != 7 || len(ev1.Values) != 2 || ev1.Values[0].Tag != "loss/epoch" || ev1.Values[0].Scalar != 0.5 || ev1.Values[1].Scalar != 0.25 {
		t.Errorf("scalar event %+v", ev1)
	}
	ev2, _ := DecodeEvent(recs[2])
	if ev2.Step != 3 || len(ev2.Values) != 1 || ev2.Values[0].Image == nil || !bytes.Equal(ev2.Values[0].Image.PNG, png) || ev2.Values[0].Image.Width != 20 || ev2.Values[0].Image.Height != 10 {
		t.Errorf("image event %+v", ev2)
	}
	// A flipped byte is caught by the CRC.
	data[len(data)-5] ^= 1
	if _, err := ReadRecords(data); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Errorf("corrupt record: %v", err)
	}
}
