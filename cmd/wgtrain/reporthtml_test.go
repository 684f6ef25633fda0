package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/trainer"
)

// TestReportHTMLOfARun trains a tiny Fashion-MNIST run: its report.html
// has every section (the PR and ROC curves, the calibration with the
// temperature, the thresholds' verdict with the test split's scores) and
// the most confused pairs with thumbnails; `wgtrain report --html` on
// its valid predictions adds the run's curves, and the thumbnails come
// from the samples the predictions' indices name.
func TestReportHTMLOfARun(t *testing.T) {
	needFashionMNIST(t)
	logdir := t.TempDir()
	code, _, errOut := wgtrain("train", "--width", "4", "--train-limit", "64", "--batch-size", "32", "--epochs", "2",
		"--valid-split", "100", "--test-limit", "32", "--backend", "cpu", "--logdir", logdir, "--quiet")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	run := trainer.RunDir(logdir)
	data, err := os.ReadFile(run.ReportHTML())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="headline"`, `<section id="classes"`, `<section id="confusion"`,
		`<section id="curves"`, `<section id="pr"`, `<section id="roc"`, `<section id="reliability"`, `id="temperature"`,
		`<section id="confusions"`, `<section id="thresholds"`, "with the thresholds", "data:image/png;base64,",
		"split <b class=\"split\">test</b>", ">Ankle boot<"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", run.ReportHTML(), want)
		}
	}

	out := filepath.Join(t.TempDir(), "valid.html")
	code, stdout, errOut := wgtrain("report", "--predictions", run.Predictions("valid"), "--html", out)
	if code != 0 || !strings.Contains(stdout, "valid split") {
		t.Fatalf("report --html: exit %d: %s%s", code, stdout, errOut)
	}
	data, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="curves"`, `id="best-epoch"`, "split <b class=\"split\">valid</b>", "data:image/png;base64,"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", out, want)
		}
	}

	// The thumbnails' split is the one the indices refer to: every row's
	// target is the label of the sample at its index.
	for _, split := range []string{"valid", "test"} {
		path := run.Predictions(split)
		p, err := evalkit.ReadPredictions(path)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := predictionsMeta(path, p.Classes)
		if err != nil {
			t.Fatal(err)
		}
		s, err := thumbnailSplit(meta, run, true)
		if err != nil || s == nil {
			t.Fatalf("%s: thumbnailSplit: %v, %v", split, s, err)
		}
		for i, idx := range p.Index {
			if idx >= s.Len() || s.Labels[idx] != p.Target[i] {
				t.Fatalf("%s row %d: index %d of a %d-sample split has another label than the target %d", split, i, idx, s.Len(), p.Target[i])
			}
		}
	}
}

// TestReportHTMLOutsideARun writes a page for a lone predictions file:
// no curves, the most confused pairs without images.
func TestReportHTMLOutsideARun(t *testing.T) {
	path := writeTestPredictions(t, "p.csv", 200, 3, 1)
	out := filepath.Join(t.TempDir(), "r.html")
	code, _, errOut := wgtrain("report", "--predictions", path, "--html", out, "--class-names", "a,<b>,c")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, want := range []string{`<section id="classes"`, `<section id="confusions"`, "&lt;b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{`id="curves"`, "data:image/png", "<b>,"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}

func TestReportHTMLBadOutput(t *testing.T) {
	path := writeTestPredictions(t, "p.csv", 20, 3, 1)
	bad := filepath.Join(t.TempDir(), "missing", "r.html")
	code, _, errOut := wgtrain("report", "--predictions", path, "--html", bad)
	if code != 2 || !strings.Contains(errOut, "--html "+bad) {
		t.Errorf("--html into a missing directory: exit %d, %q", code, errOut)
	}
}
