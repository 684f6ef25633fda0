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
// of the loss and the valid metric with the best epoch marked.
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
	if strings.Contains(html, `id="reliability"`) || strings.Contains(html, `id="thresholds"`) {
		t.Error("report.html shows sections the run has no data for")
	}
}
