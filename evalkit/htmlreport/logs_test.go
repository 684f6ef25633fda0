package htmlreport

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeLogs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, "logs", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadLogs(t *testing.T) {
	dir := writeLogs(t, map[string]string{
		"train.csv": "step,accuracy01,loss\n1,0.5,2\n2,0.75,1.5\n",
		"valid.csv": "step,accuracy01,loss\n1,0.6,1.8\n2,,1.2\n",
		"epoch.csv": "step,lr\n1,0.001\n2,0.001\n",
	})
	got, err := LoadLogs(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []CurveSet{
		{Key: "accuracy01", Series: []Series{{"train", []int{1, 2}, []float64{0.5, 0.75}}, {"valid", []int{1}, []float64{0.6}}}},
		{Key: "loss", Series: []Series{{"train", []int{1, 2}, []float64{2, 1.5}}, {"valid", []int{1, 2}, []float64{1.8, 1.2}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadLogs:\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadLogsWithoutLogs(t *testing.T) {
	got, err := LoadLogs(t.TempDir())
	if err != nil || got != nil {
		t.Errorf("LoadLogs of a directory without logs = %v, %v; want nil, nil", got, err)
	}
}

func TestLoadLogsErrors(t *testing.T) {
	for text, want := range map[string]string{
		"epoch,loss\n1,2\n":       "valid.csv:1: want a header starting with \"step\"",
		"step,loss\n1,abc\n":      "valid.csv:2: loss \"abc\": not a number",
		"step,loss\n1,2\nx,3\n":   "valid.csv:3: step \"x\"",
		"step,loss\n1,2\n2,3,4\n": "valid.csv",
	} {
		_, err := LoadLogs(writeLogs(t, map[string]string{"valid.csv": text}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadLogs(%q): %v, want an error with %q", text, err, want)
		}
	}
}
