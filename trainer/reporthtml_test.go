package trainer_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/trainer"
)

// TestRunWritesReportHTML checks that a run writes report.html beside
// report.txt with the report's numbers, the class names and the curves
// of the loss and the valid metric with the best epoch marked, the
// calibration, the PR and ROC curves, and the thresholds' verdict exactly
// when the run wrote one.
func TestRunWritesReportHTML(t *testing.T) {
	dir := t.TempDir()
	res, err := trainer.Run(context.Background(), toyConfig(t, dir, 3))
	if err != nil {
		t.Fatal(err)
	}
	rd := trainer.RunDir(dir)
	data, err := os.ReadFile(rd.ReportHTML())
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	js, err := json.Marshal(res.Report.Accuracy)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`id="stat-accuracy" data-value="` + string(js) + `"`, `<section id="classes"`, `<section id="confusion"`,
		`<section id="curves"`, ">loss</text>", ">f1/_micro</text>", "best epoch " + strconv.Itoa(res.BestEpoch),
		"split <b class=\"split\">valid</b>", ">upper</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, want := range []string{`<section id="reliability"`, `<section id="pr"`, `<section id="roc"`} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	_, cvErr := os.Stat(rd.ThresholdsCV())
	if has := strings.Contains(html, `<section id="thresholds"`); has != (cvErr == nil) {
		t.Errorf("report.html has the thresholds section: %v; %s exists: %v", has, rd.ThresholdsCV(), cvErr == nil)
	}
	if strings.Contains(html, "with the thresholds, <b>") {
		t.Error("report.html scores the thresholds on a held-out split the run does not have")
	}
}
