package trainer

import (
	"encoding/json"
	"os"

	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/evalkit/htmlreport"
)

// ReportHTML returns the path of report.html, the report of report.txt
// as one self-contained web page with the training curves.
func (d RunDir) ReportHTML() string { return d.path("report.html") }

// ReportPage returns the page of report.html for rep in this run
// directory: what the report holds, the best epoch and valid metric of
// checkpoints/metrics.json, and the curves of logs/ for the loss, the
// valid metric, accuracy01 and f1/_macro. A run directory without
// metrics or logs gives a page without them; only a malformed log is an
// error.
func (d RunDir) ReportPage(rep *evalkit.Report) (*htmlreport.Page, error) {
	p := htmlreport.FromReport(rep)
	var m struct {
		Best   int    `json:"best_epoch"`
		Metric string `json:"valid_metric"`
	}
	if data, err := os.ReadFile(d.path("checkpoints", "metrics.json")); err == nil && json.Unmarshal(data, &m) == nil && m.Best > 0 {
		p.BestEpoch = m.Best
	}
	sets, err := htmlreport.LoadLogs(string(d))
	if err != nil {
		return nil, err
	}
	p.Curves = htmlreport.SelectCurves(sets, "loss", m.Metric, "accuracy01", "f1/_macro")
	return p, nil
}

// writeReportHTML writes report.html for rep.
func (d RunDir) writeReportHTML(rep *evalkit.Report) error {
	p, err := d.ReportPage(rep)
	if err != nil {
		return err
	}
	return htmlreport.Write(d.ReportHTML(), p)
}
