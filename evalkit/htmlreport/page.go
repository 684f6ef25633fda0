package htmlreport

// Page is everything report.html shows. Zero values, NaN (where noted)
// and nil or empty slices mean "unknown": the section or the number is
// left out.
type Page struct {
	Title     string // the page's title; "" for "wgtrain report"
	Split     string // the data split the predictions are of, "" unknown
	Epoch     int    // the 1-based epoch of the model, 0 unknown
	BestEpoch int    // the run's best epoch (marked on the curves), 0 unknown
	Samples   int    // the number of predictions

	Accuracy, MacroF1, WeightedF1, MacroAUC float64 // NaN unknown
	ECE                                     float64 // the expected calibration error, NaN unknown

	Classes   []string   // the class names, indexed by label
	Rows      []ClassRow // the per-class table
	Confusion [][]int64  // [true][predicted] counts

	Curves []CurveSet // the training curves, one chart per metric key

	PR, ROC     []ClassCurve // per-class precision-recall and ROC curves
	Reliability *Reliability // the reliability diagram
	Confusions  []Confused   // the most confused class pairs
	Thresholds  *ThresholdsCV
}

// ClassRow is one row of the per-class table; NaN marks an unknown
// number.
type ClassRow struct {
	Name                           string
	Precision, Recall, F1, AUC, AP float64
	Support                        int64
}

// CurveSet is one training-curve chart: one metric key ("loss",
// "accuracy01") with a series per loader.
type CurveSet struct {
	Key    string
	Series []Series
}

// Series is one loader's values of a metric, epoch by epoch.
type Series struct {
	Loader string
	Epochs []int
	Values []float64
}

// ClassCurve is one class's precision-recall (X recall, Y precision; Area
// the average precision) or ROC curve (X false positive rate, Y true
// positive rate; Area the AUC). Area is NaN when unknown.
type ClassCurve struct {
	Class string
	Area  float64
	X, Y  []float64
}

// Reliability is the reliability diagram: the confidence bins with their
// mean confidence and accuracy, ECE and MCE, and optionally the fitted
// temperature with ECE and MCE after scaling (0 or NaN when unknown).
type Reliability struct {
	Bins                            []Bin
	ECE, MCE                        float64
	Temperature, ECEAfter, MCEAfter float64
}

// Bin is one confidence bin [Lo, Hi] of the reliability diagram: the mean
// top-1 confidence and the accuracy of its Count samples.
type Bin struct {
	Lo, Hi, Confidence, Accuracy float64
	Count                        int
}

// Confused is one confused class pair: Count samples of class True
// predicted as Pred, with examples (the highest-confidence mistakes).
type Confused struct {
	True, Pred, Count int
	Examples          []Example
}

// Example is one misclassified sample: its index in the split, the
// confidence of the wrong prediction and a PNG thumbnail (nil for none).
type Example struct {
	Index      int
	Confidence float64
	PNG        []byte
}

// ThresholdsCV is the cross-validated verdict on per-class thresholds:
// each fold's gain in Objective with and without them, the mean gain and
// its standard error, the verdict (keep when Mean - 2·SE > 0), and the
// test split's score with and without (NaN when unknown).
type ThresholdsCV struct {
	Objective             string
	Folds                 []Fold
	Mean, SE              float64
	Keep                  bool
	TestWith, TestWithout float64
}

// Fold is one cross-validation fold: the held-out score with and without
// the thresholds tuned on the other folds, and the gain (With - Without).
type Fold struct {
	Gain, With, Without float64
}
