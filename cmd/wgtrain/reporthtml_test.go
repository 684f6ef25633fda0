package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/internal/browsertest"
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
	code, _, errOut := wgtrain(smallRun(logdir, "--epochs", "2", "--valid-split", "100")...)
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

// TestRunReportHTMLInChromium opens a real run's report.html in headless
// chromium with the network off: the DOM after the page's script ran
// holds every section and report.json's headline numbers, the console is
// empty and the screenshot is not blank.
func TestRunReportHTMLInChromium(t *testing.T) {
	needFashionMNIST(t)
	bin := browsertest.Chromium(t)
	logdir := t.TempDir()
	code, _, errOut := wgtrain(smallRun(logdir, "--epochs", "2", "--valid-split", "100", "--test-limit", "64")...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	run := trainer.RunDir(logdir)
	reportJSON := filepath.Join(logdir, "report.json")
	data, err := os.ReadFile(reportJSON)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Accuracy    json.RawMessage `json:"accuracy"`
		Macro       struct{ F1 json.RawMessage }
		Calibration struct{ ECE, MCE json.RawMessage }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", reportJSON, err)
	}
	dom, console := browsertest.Headless(t, bin, run.ReportHTML(), "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	if !strings.Contains(dom, `class="js"`) {
		t.Error("the page's script did not run")
	}
	for _, id := range []string{"headline", "classes", "confusion", "curves", "pr", "roc", "reliability", "confusions", "thresholds"} {
		if !strings.Contains(dom, `<section id="`+id+`"`) {
			t.Errorf("the DOM has no section %q", id)
		}
	}
	for id, v := range map[string]json.RawMessage{"stat-accuracy": rep.Accuracy, "stat-macro-f1": rep.Macro.F1,
		"stat-ece": rep.Calibration.ECE, "rel-ece": rep.Calibration.ECE, "rel-mce": rep.Calibration.MCE} {
		if want := `id="` + id + `" data-value="` + string(v) + `"`; len(v) == 0 || !strings.Contains(dom, want) {
			t.Errorf("the DOM lacks %s (report.json's value)", want)
		}
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	if _, console = browsertest.Headless(t, bin, run.ReportHTML(), "--screenshot="+shot, "--hide-scrollbars"); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	if share := browsertest.InkShare(t, shot); share < 0.02 {
		t.Errorf("screenshot: %.2f%% of the pixels are not white, want ≥ 2%%", 100*share)
	}
}
