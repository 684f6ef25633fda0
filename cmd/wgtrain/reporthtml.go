package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wgtrain/wgtrain/datasets"
	"github.com/wgtrain/wgtrain/evalkit"
	"github.com/wgtrain/wgtrain/evalkit/htmlreport"
	"github.com/wgtrain/wgtrain/trainer"
)

// writeReportHTML writes report.html for the report r of the predictions
// file predPath to out: the report's numbers; the run's curves and best
// epoch when predPath is a run directory's predictions/<split>.csv; the
// most confused class pairs, with thumbnails of their highest-confidence
// mistakes when the data set and split can be loaded (a data set that
// cannot be is said on stderr, and the pairs are shown without images).
func writeReportHTML(out, predPath string, p *evalkit.Predictions, r *evalkit.Report, meta *evalkit.PredictionsMeta, stderr io.Writer) error {
	page := htmlreport.FromReport(r)
	run := trainer.PredictionsRunDir(predPath)
	inRun := false
	if filepath.Base(filepath.Dir(predPath)) == "predictions" {
		if _, err := os.Stat(run.Hparams()); err == nil {
			inRun = true
			var err error
			if page, err = run.ReportPage(r, p); err != nil {
				return err
			}
		}
	}
	if !inRun {
		if ok, _ := p.Labeled(); ok && p.Len() > 0 {
			cs, err := evalkit.Curves(p.Target, p.Logits, p.Classes)
			if err != nil {
				return err
			}
			page.AddCurves(cs)
		}
	}
	page.Title = "wgtrain report: " + filepath.Base(predPath)
	if inRun {
		page.Title = "wgtrain report: " + filepath.Base(string(run)) + ", " + filepath.Base(predPath)
	}
	if len(page.Confusions) > 0 {
		split, err := thumbnailSplit(meta, run, inRun)
		if err != nil {
			fmt.Fprintf(stderr, "wgtrain report: no thumbnails in %s: %v\n", out, err)
		}
		if split != nil {
			page.AddThumbnails(split)
		}
	}
	return htmlreport.Write(out, page)
}

// thumbnailSplit loads the split the predictions' indices refer to: the
// test split of the data set named by the metadata or the run's
// hparams.json, or a run's validation split carved again with its
// valid-split and seed (a folder with the run's image size, channels,
// test split and seed, read from its cache). It returns nil, nil when the data set is not
// known.
func thumbnailSplit(meta *evalkit.PredictionsMeta, run trainer.RunDir, inRun bool) (*datasets.Split, error) {
	var h struct {
		Dataset    string `json:"dataset"`
		DataDir    string `json:"data-dir"`
		Coarse     bool   `json:"coarse"`
		ValidSplit int    `json:"valid-split"`
		Seed       uint64 `json:"seed"`
		// A folder's options (zero: Load's defaults).
		ImageSize int  `json:"image-size"`
		Channels  int  `json:"channels"`
		TestSplit int  `json:"test-split"`
		SkipBad   bool `json:"skip-bad-images"`
	}
	if inRun {
		data, err := os.ReadFile(run.Hparams())
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("%s: %w", run.Hparams(), err)
		}
	}
	name := h.Dataset
	if meta != nil && meta.Dataset != "" {
		name = meta.Dataset
	}
	split := ""
	if meta != nil {
		split = meta.Split
	}
	switch {
	case name == "":
		return nil, nil
	case split != "test" && !(inRun && split == "valid" && h.ValidSplit > 0):
		return nil, fmt.Errorf("split %q of %s: only the test split, or a run's carved valid split, can be loaded again", split, name)
	}
	ds, err := datasets.Load(name, h.DataDir, datasets.LoadOptions{Coarse: h.Coarse,
		ImageSize: h.ImageSize, Channels: h.Channels, TestSplit: h.TestSplit, Seed: h.Seed, SkipBadImages: h.SkipBad})
	if err != nil {
		return nil, err
	}
	if split == "test" {
		return ds.Test, nil
	}
	_, va, err := datasets.CarveValidation(ds.Train, h.ValidSplit, len(ds.Classes), h.Seed)
	return va, err
}
