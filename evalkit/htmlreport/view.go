package htmlreport

import (
	"fmt"
	"math"
)

// view is what the templates read: the page, and the charts and tables
// computed from it.
type view struct {
	P            *Page
	Title        string
	Stats        []stat
	HasAUC       bool
	HasAP        bool
	Conf         *confView
	Curves       []chart
	PR, ROC      []chart
	Rel          *relView
	Confusions   []confused
	TH           *ThresholdsCV
	Sections     []section // the table of contents
	ClassesKnown bool
}

type stat struct {
	ID, Name, Text, Value string
}

type section struct{ ID, Name string }

func newView(p *Page) *view {
	v := &view{P: p, Title: p.Title, TH: p.Thresholds}
	if v.Title == "" {
		v.Title = "wgtrain report"
	}
	add := func(id, name string, x float64) {
		if finite(x) {
			v.Stats = append(v.Stats, stat{id, name, f4(x), raw(x)})
		}
	}
	add("accuracy", "accuracy", p.Accuracy)
	add("macro-f1", "macro F1", p.MacroF1)
	add("weighted-f1", "weighted F1", p.WeightedF1)
	add("macro-auc", "macro AUC", p.MacroAUC)
	add("ece", "ECE", p.ECE)
	v.Sections = append(v.Sections, section{"headline", "Headline"})
	for _, r := range p.Rows {
		v.HasAUC = v.HasAUC || finite(r.AUC)
		v.HasAP = v.HasAP || finite(r.AP)
	}
	if len(p.Rows) > 0 {
		v.Sections = append(v.Sections, section{"classes", "Per class"})
	}
	if c := newConfView(p.Confusion, p.Classes); c != nil {
		v.Conf = c
		v.Sections = append(v.Sections, section{"confusion", "Confusion matrix"})
	}
	for _, cs := range p.Curves {
		if len(cs.Series) > 0 {
			v.Curves = append(v.Curves, curveChart(cs, p.BestEpoch))
		}
	}
	if len(v.Curves) > 0 {
		v.Sections = append(v.Sections, section{"curves", "Training curves"})
	}
	for i, cc := range p.PR {
		v.PR = append(v.PR, classChart(cc, i, false))
	}
	if len(v.PR) > 0 {
		v.Sections = append(v.Sections, section{"pr", "Precision-recall"})
	}
	for i, cc := range p.ROC {
		v.ROC = append(v.ROC, classChart(cc, i, true))
	}
	if len(v.ROC) > 0 {
		v.Sections = append(v.Sections, section{"roc", "ROC"})
	}
	if p.Reliability != nil && len(p.Reliability.Bins) > 0 {
		v.Rel = newRelView(p.Reliability)
		v.Sections = append(v.Sections, section{"reliability", "Calibration"})
	}
	for _, c := range p.Confusions {
		v.Confusions = append(v.Confusions, confused{c, className(p.Classes, c.True), className(p.Classes, c.Pred)})
	}
	if len(v.Confusions) > 0 {
		v.Sections = append(v.Sections, section{"confusions", "Most confused"})
	}
	if v.TH != nil && len(v.TH.Folds) > 0 {
		v.Sections = append(v.Sections, section{"thresholds", "Thresholds"})
	} else {
		v.TH = nil
	}
	return v
}

// confView is the confusion matrix as two tables: counts and row
// percentages, each cell shaded by its row share (0 to 9).
type confView struct {
	Names []string
	Rows  []confRow
}

type confRow struct {
	Name  string
	Total int64
	Cells []cell
}

type cell struct {
	Count int64
	Pct   string
	Shade int
	Diag  bool
	Title string
}

func newConfView(cm [][]int64, names []string) *confView {
	if len(cm) == 0 {
		return nil
	}
	c := &confView{}
	for j := range cm[0] {
		c.Names = append(c.Names, className(names, j))
	}
	for i, row := range cm {
		r := confRow{Name: className(names, i)}
		for _, n := range row {
			r.Total += n
		}
		for j, n := range row {
			share := 0.0
			if r.Total > 0 {
				share = float64(n) / float64(r.Total)
			}
			shade := int(math.Ceil(share * 9))
			r.Cells = append(r.Cells, cell{
				Count: n, Pct: fmt.Sprintf("%.1f", 100*share), Shade: min(max(shade, 0), 9), Diag: i == j,
				Title: fmt.Sprintf("true %s, predicted %s: %d of %d (%.1f%%)", r.Name, className(names, j), n, r.Total, 100*share),
			})
		}
		c.Rows = append(c.Rows, r)
	}
	return c
}

type confused struct {
	Confused
	TrueName, PredName string
}

// relView is the reliability diagram: a bar per bin at its accuracy, the
// gap to its mean confidence, and the diagonal of perfect calibration.
type relView struct {
	chart
	Data *Reliability
	Bars []bar
}

type bar struct {
	X, W, Y, H float64 // the accuracy bar
	GapY, GapH float64 // the gap between accuracy and confidence
	Title      string
}

func newRelView(r *Reliability) *relView {
	c := chart{W: 360, H: 300, L: 48, R: 350, T: 16, B: 260, XLabel: "confidence", YLabel: "accuracy"}
	xa, ya := axis{0, 1, c.L, c.R}, axis{0, 1, c.B, c.T}
	c.XTicks, c.YTicks = ticks(xa, 0.2, false), ticks(ya, 0.2, false)
	c.Diagonal = path(xa, ya, []float64{0, 1}, []float64{0, 1})
	v := &relView{chart: c, Data: r}
	for _, b := range r.Bins {
		if b.Count == 0 {
			continue
		}
		x0, x1 := xa.at(b.Lo), xa.at(b.Hi)
		ya0, yc := ya.at(b.Accuracy), ya.at(b.Confidence)
		v.Bars = append(v.Bars, bar{
			X: x0 + 0.5, W: math.Max(x1-x0-1, 0.5), Y: ya0, H: c.B - ya0,
			GapY: math.Min(ya0, yc), GapH: math.Abs(ya0 - yc),
			Title: fmt.Sprintf("confidence %s: %d samples, mean confidence %.4f, accuracy %.4f", binRange(b), b.Count, b.Confidence, b.Accuracy),
		})
	}
	return v
}

// binRange spells a reliability bin as evalkit bins confidences
// (docs/SPEC.md §5): [lo, hi), and [1, 1] for the bin of confidences
// exactly 1.
func binRange(b Bin) string {
	if b.Lo == b.Hi {
		return fmt.Sprintf("[%.3f, %.3f]", b.Lo, b.Hi)
	}
	return fmt.Sprintf("[%.3f, %.3f)", b.Lo, b.Hi)
}
