package evalkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ReportOptions adjusts a Report.
type ReportOptions struct {
	Beta       float64   // > 0 adds an F-beta column; 0 leaves it out
	Thresholds []float64 // per-class thresholds (PredictWithThresholds); nil predicts the arg-max
	// ThresholdsFile names the file the Thresholds came from, when known.
	ThresholdsFile string
	// Split and Epoch say what the report describes: the data split the
	// predictions are of and the 1-based epoch of the model that made
	// them; "" and 0 when unknown.
	Split string
	Epoch int
	// Index holds the rows' data set sample indices (the predictions
	// file's index column) that TopConfusions names; nil numbers the rows
	// from 0.
	Index []int
}

// The report's most confused pairs: ReportConfusions pairs, each with up
// to ReportConfusionSamples sample indices.
const (
	ReportConfusions       = 10
	ReportConfusionSamples = 8
)

// RowMetrics are the columns of one row of the report: precision, recall,
// F1, F-beta (nil unless asked for), the one-vs-rest ROC AUC (nil where
// there is none), the support and its share in percent.
type RowMetrics struct {
	Precision float64  `json:"precision"`
	Recall    float64  `json:"recall"`
	F1        float64  `json:"f1"`
	FBeta     *float64 `json:"fbeta,omitempty"`
	AUC       *float64 `json:"auc,omitempty"`
	// AP is the one-vs-rest average precision (nil where the class has
	// no positive row; the macro row's is the mean over the others).
	AP         *float64 `json:"average_precision,omitempty"`
	Support    int64    `json:"support"`
	SupportPct float64  `json:"support_pct"`
}

// ClassRow is one class's row of the report: the class's index and name,
// then its metrics.
type ClassRow struct {
	Class int    `json:"class"`
	Name  string `json:"name"`
	RowMetrics
}

// AverageRow is the micro, macro or weighted row of the report: the
// metrics alone.
type AverageRow = RowMetrics

// Report is the classification report of docs/SPEC.md §5: one
// row per class, then accuracy and the micro, macro and weighted
// averages, with precision, recall, F1, optionally F-beta, the
// one-vs-rest ROC AUC from the softmax scores (left out for a class with
// no positive or no negative row; macro and weighted averages over the
// classes that have one; none for micro), support and support share in
// percent. Split and Epoch say what it describes, when known. Its JSON
// form is documented in docs/SPEC.md §8.2.
type Report struct {
	Split      string     `json:"split,omitempty"` // the data split, "" when unknown
	Epoch      int        `json:"epoch,omitempty"` // the model's 1-based epoch, 0 when unknown
	Classes    []ClassRow `json:"classes"`
	Accuracy   float64    `json:"accuracy"`
	Micro      AverageRow `json:"micro"`
	Macro      AverageRow `json:"macro"`
	Weighted   AverageRow `json:"weighted"`
	Support    int64      `json:"support"`
	Beta       float64    `json:"beta,omitempty"`       // the F-beta's beta, 0 for none
	Thresholds []float64  `json:"thresholds,omitempty"` // applied per-class thresholds, nil for arg-max
	// ThresholdsFile is the file the thresholds came from, when known.
	ThresholdsFile string `json:"thresholds_file,omitempty"`
	// Calibration holds the ECE, MCE and reliability bins of the
	// arg-max predictions (docs/SPEC.md §5).
	Calibration *Calibration `json:"calibration,omitempty"`
	// TopConfusions are the most frequent off-diagonal cells of the
	// arg-max confusion matrix with their most confident mistakes.
	TopConfusions []Confusion `json:"top_confusions,omitempty"`
	// Temperature is the temperature scaling block, when a run fitted one.
	Temperature *TemperatureScaling `json:"temperature,omitempty"`
	Confusion   [][]int64           `json:"confusion_matrix,omitempty"`
}

// NewReport builds the report of targets (each in [0, classes)) against
// the predictions from logits (row-major N×classes), arg-max or with
// opts.Thresholds. names, when not nil, names the classes (one per class);
// otherwise classes are named by their index.
func NewReport(targets []int32, logits []float32, classes int, names []string, opts ReportOptions) (*Report, error) {
	switch {
	case classes < 1 || classes > MaxClasses:
		return nil, checkClasses("NewReport", classes)
	case len(targets) == 0:
		return nil, &InputError{"NewReport", "no rows"}
	case len(logits) != len(targets)*classes:
		return nil, &InputError{"NewReport", fmt.Sprintf("%d logits for %d rows of %d classes", len(logits), len(targets), classes)}
	case names != nil && len(names) != classes:
		return nil, &InputError{"NewReport", fmt.Sprintf("%d class names for %d classes", len(names), classes)}
	case opts.Thresholds != nil && len(opts.Thresholds) != classes:
		return nil, &InputError{"NewReport", fmt.Sprintf("%d thresholds for %d classes", len(opts.Thresholds), classes)}
	case opts.Beta < 0 || math.IsNaN(opts.Beta) || math.IsInf(opts.Beta, 0):
		return nil, &InputError{"NewReport", fmt.Sprintf("beta %v: want a positive number", opts.Beta)}
	case opts.Epoch < 0:
		return nil, &InputError{"NewReport", fmt.Sprintf("epoch %d: want a 1-based epoch, or 0 for unknown", opts.Epoch)}
	case opts.Index != nil && len(opts.Index) != len(targets):
		return nil, &InputError{"NewReport", fmt.Sprintf("%d sample indices for %d rows", len(opts.Index), len(targets))}
	case opts.ThresholdsFile != "" && opts.Thresholds == nil:
		return nil, &InputError{"NewReport", fmt.Sprintf("a thresholds file (%s) without thresholds", opts.ThresholdsFile)}
	}
	for i, y := range targets {
		if y < 0 || int(y) >= classes {
			return nil, &InputError{"NewReport", fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
	}
	for i, l := range logits {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return nil, &InputError{"NewReport", fmt.Sprintf("row %d, class %d: logit %v", i/classes, i%classes, l)}
		}
	}
	scores := Softmax(logits, classes)
	pred, err := PredictWithThresholds(scores, classes, opts.Thresholds)
	if err != nil {
		return nil, err
	}
	tp, predicted, support := classCounts(pred, targets, classes)
	st := computeStats(tp, predicted, support, opts.Beta)
	auc, err := AUC(scores, targets, classes)
	if err != nil {
		return nil, err
	}

	curves, err := Curves(targets, logits, classes)
	if err != nil {
		return nil, err
	}
	cal, err := Calibrate(targets, logits, classes)
	if err != nil {
		return nil, err
	}
	index := opts.Index
	if index == nil {
		index = make([]int, len(targets))
		for i := range index {
			index[i] = i
		}
	}
	top, err := TopConfusions(&Predictions{Index: index, Target: targets, Logits: logits, Classes: classes}, ReportConfusions, ReportConfusionSamples)
	if err != nil {
		return nil, err
	}

	r := &Report{
		Calibration:    cal,
		TopConfusions:  top,
		Split:          opts.Split,
		Epoch:          opts.Epoch,
		Beta:           opts.Beta,
		Thresholds:     opts.Thresholds,
		ThresholdsFile: opts.ThresholdsFile,
		Accuracy:       st.Accuracy,
		Support:        st.N,
		Confusion:      make([][]int64, classes),
	}
	for y := range r.Confusion {
		r.Confusion[y] = make([]int64, classes)
	}
	for i, y := range targets {
		r.Confusion[y][pred[i]]++
	}
	opt := func(v float64) *float64 {
		if opts.Beta == 0 {
			return nil
		}
		return &v
	}
	var apSum float64
	var apN int
	for c := 0; c < classes; c++ {
		row := ClassRow{Class: c, Name: strconv.Itoa(c), RowMetrics: RowMetrics{
			Precision:  st.Precision[c],
			Recall:     st.Recall[c],
			F1:         st.F1[c],
			Support:    st.Support[c],
			SupportPct: 100 * div(float64(st.Support[c]), float64(st.N)),
		}}
		if names != nil {
			row.Name = names[c]
		}
		if st.FBeta != nil {
			row.FBeta = opt(st.FBeta[c])
		}
		if !math.IsNaN(auc[c]) {
			v := auc[c]
			row.AUC = &v
		}
		if ap := curves[c].AP; !math.IsNaN(ap) {
			row.AP = &ap
			apSum += ap
			apN++
		}
		r.Classes = append(r.Classes, row)
	}
	avg := func(a Averages) AverageRow {
		return AverageRow{Precision: a.Precision, Recall: a.Recall, F1: a.F1, FBeta: opt(a.FBeta), Support: st.N, SupportPct: 100}
	}
	r.Micro, r.Macro, r.Weighted = avg(st.Micro), avg(st.Macro), avg(st.Weighted)
	if mac, wei, ok := aucAverages(auc, support); ok {
		r.Macro.AUC, r.Weighted.AUC = &mac, &wei
	}
	if apN > 0 {
		v := apSum / float64(apN)
		r.Macro.AP = &v
	}
	return r, nil
}

// Subject says what the report describes (Subject of its Split and
// Epoch), for titles.
func (r *Report) Subject() string { return Subject(r.Split, r.Epoch) }

// Subject names a data split and the 1-based epoch of the model that was
// evaluated on it, for titles: "test split, epoch 3", "test split",
// "epoch 3", or "" when neither is known ("" and 0).
func Subject(split string, epoch int) string {
	var parts []string
	if split != "" {
		parts = append(parts, split+" split")
	}
	if epoch > 0 {
		parts = append(parts, "epoch "+strconv.Itoa(epoch))
	}
	return strings.Join(parts, ", ")
}

// JSON returns the report as indented JSON (docs/SPEC.md §8.2), each row
// of the confusion matrix on one line.
func (r *Report) JSON() ([]byte, error) {
	head := *r
	head.Confusion = nil
	b, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("\n}"))
	b = append(b, ",\n  \"confusion_matrix\": ["...)
	for y, row := range r.Confusion {
		if y > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    ["...)
		for p, v := range row {
			if p > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, v, 10)
		}
		b = append(b, ']')
	}
	return append(b, "\n  ]\n}\n"...), nil
}
