package trainer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/evalkit/htmlreport"
)

// ReportHTML returns the path of report.html, the report of report.txt
// as one self-contained web page with the training curves.
func (d RunDir) ReportHTML() string { return d.path("report.html") }

// ReportPage returns the page of report.html for rep, the report of the
// predictions pred, in this run directory: what the report holds
// (htmlreport.FromReport); the precision-recall and ROC curves of pred
// when it is not nil; the best epoch and valid metric of
// checkpoints/metrics.json; the curves of logs/ for the loss, the valid
// metric, accuracy01 and f1/_macro; and the thresholds' verdict of
// thresholds_cv.json. A run directory without metrics, logs or verdict
// gives a page without them; only a malformed log or verdict is an error.
func (d RunDir) ReportPage(rep *evalkit.Report, pred *evalkit.Predictions) (*htmlreport.Page, error) {
	p := htmlreport.FromReport(rep)
	if pred != nil && pred.Len() > 0 {
		if ok, _ := pred.Labeled(); ok {
			cs, err := evalkit.Curves(pred.Target, pred.Logits, pred.Classes)
			if err != nil {
				return nil, fmt.Errorf("trainer: report.html: %w", err)
			}
			p.AddCurves(cs)
		}
	}
	if data, err := os.ReadFile(d.ThresholdsCV()); err == nil {
		var cv evalkit.ThresholdsCV
		if err := json.Unmarshal(data, &cv); err != nil {
			return nil, fmt.Errorf("trainer: %s: %w", d.ThresholdsCV(), err)
		}
		p.AddThresholds(&cv)
	}
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

// writeReportHTML writes report.html for rep, the report of pred, whose
// sample indices are indices into split: the most confused pairs get the
// thumbnails of their mistakes from it. The title names the run and the
// predictions file, as `wgtrain report --html` on that file does.
func (d RunDir) writeReportHTML(rep *evalkit.Report, pred *evalkit.Predictions, split *datasets.Split) error {
	p, err := d.ReportPage(rep, pred)
	if err != nil {
		return err
	}
	p.Title = "wgtrain report: " + filepath.Base(string(d)) + ", " + filepath.Base(d.Predictions(rep.Split))
	if split != nil {
		p.AddThumbnails(split)
	}
	return htmlreport.Write(d.ReportHTML(), p)
}
