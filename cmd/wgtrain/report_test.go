package main

import (
	"encoding/json"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

// writeTestPredictions writes n random rows of the given classes, logits
// favouring the target, and returns the path.
func writeTestPredictions(t *testing.T, name string, n, classes int, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	p := &evalkit.Predictions{Classes: classes}
	for i := 0; i < n; i++ {
		y := int32(r.IntN(classes))
		p.Index = append(p.Index, i)
		p.Target = append(p.Target, y)
		for k := 0; k < classes; k++ {
			v := float32(r.NormFloat64())
			if k == int(y) {
				v += 1
			}
			if k == 0 {
				v += 0.8 // a class that swallows others: thresholds help
			}
			p.Logits = append(p.Logits, v)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := evalkit.WritePredictions(path, p); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportFormats(t *testing.T) {
	path := writeTestPredictions(t, "p.csv", 200, 3, 1)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"precision", "weighted avg", "support       %\n", "\n           0  "}},
		{[]string{"--format", "markdown", "--class-names", "cat, dog,bird"}, []string{"| class | precision |", "| dog |", "| **macro avg** |"}},
		{[]string{"--format", "csv", "--beta", "2"}, []string{"class,name,precision,recall,f1,fbeta,auc,support,support_pct\n0,0,"}},
		{[]string{"--format", "json"}, []string{`"confusion_matrix": [`, `"support_pct": 100`}},
	} {
		code, out, errOut := wgtrain(append([]string{"report", "--predictions", path}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	// JSON parses and agrees with the library.
	_, out, _ := wgtrain("report", "--predictions", path, "--format", "json")
	var rep evalkit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	p, _ := evalkit.ReadPredictions(path)
	want, _ := evalkit.NewReport(p.Target, p.Logits, 3, nil, evalkit.ReportOptions{})
	if rep.Accuracy != want.Accuracy || rep.Macro.F1 != want.Macro.F1 || len(rep.Classes) != 3 {
		t.Errorf("JSON report %+v, library %+v", rep, want)
	}
}

func TestReportClassNamesFileAndPNG(t *testing.T) {
	path := writeTestPredictions(t, "p.csv", 100, 3, 2)
	dir := t.TempDir()
	names := filepath.Join(dir, "names.txt")
	if err := os.WriteFile(names, []byte("airplane\r\nautomobile\r\nbird\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "cm.png")
	code, out, errOut := wgtrain("report", "--predictions", path, "--class-names-file", names, "--confusion-png", pngPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "automobile") {
		t.Errorf("names missing:\n%s", out)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("confusion PNG: %v", err)
	}
}

func TestReportErrors(t *testing.T) {
	good := writeTestPredictions(t, "p.csv", 20, 3, 3)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("index,target,logit_0,logit_1\n0,1,0.5,0.25\n1,0,x,1\n"), 0o644)
	unlabeled := filepath.Join(dir, "unlabeled.csv")
	os.WriteFile(unlabeled, []byte("index,target,logit_0,logit_1\n0,1,0.5,0.25\n7,,0,1\n"), 0o644)
	header := filepath.Join(dir, "header.csv")
	os.WriteFile(header, []byte("index,target,logit_0\n"), 0o644)
	th := filepath.Join(dir, "th.json")
	os.WriteFile(th, []byte(`{"thresholds":[0.5,0.5]}`), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, 2, "--predictions is required"},
		{[]string{"--predictions", good, "--format", "xml"}, 2, `--format "xml"`},
		{[]string{"--predictions", good, "--class-names", "a,b", "--class-names-file", "x"}, 2, "exclude each other"},
		{[]string{"--predictions", good, "--class-names", "a,b"}, 2, "2 class names for 3 classes"},
		{[]string{"--predictions", good, "--beta", "-1"}, 2, "--beta"},
		{[]string{"--predictions", good, "--bogus"}, 2, "unknown flag"},
		{[]string{"--predictions", bad}, 1, bad + ":3: logit_0 \"x\""},
		{[]string{"--predictions", unlabeled}, 1, "row 2 (index 7) has no target"},
		{[]string{"--predictions", header}, 1, "no predictions"},
		{[]string{"--predictions", filepath.Join(dir, "missing.csv")}, 2, "missing.csv: no such file"},
		{[]string{"--predictions", good, "--thresholds", th}, 2, "2 thresholds, but"},
		{[]string{"--predictions", good, "--thresholds", bad}, 1, bad},
	} {
		code, _, errOut := wgtrain(append([]string{"report"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
