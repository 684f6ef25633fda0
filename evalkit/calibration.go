package evalkit

import (
	"fmt"
	"math"
)

// CalibrationBins is the number of equal-width confidence bins of
// Calibrate: 15, torchmetrics' CalibrationError default.
const CalibrationBins = 15

// ReliabilityBin is one confidence bin of a reliability diagram: the rows
// whose top-1 softmax probability lies in [Lower, Upper) (for the extra
// bin of confidences exactly 1, Lower = Upper = 1), their number, mean
// confidence and accuracy (0 and 0 for an empty bin).
type ReliabilityBin struct {
	Lower      float64 `json:"lower"`
	Upper      float64 `json:"upper"`
	Count      int64   `json:"count"`
	Confidence float64 `json:"confidence"`
	Accuracy   float64 `json:"accuracy"`
}

// Calibration is the top-label calibration of a model's predictions: the
// expected calibration error (ECE, the count-weighted mean of
// |accuracy - confidence| over the bins), the maximum calibration error
// (MCE, its largest value over the bins) and the bins. See docs/SPEC.md
// §5 for the bin edges.
type Calibration struct {
	ECE  float64          `json:"ece"`
	MCE  float64          `json:"mce"`
	Bins []ReliabilityBin `json:"bins"`
}

// Calibrate returns the calibration of the arg-max predictions of logits
// (row-major N×classes, finite) against targets (each in [0, classes)):
// the confidence of a row is its highest softmax probability and it is
// right when its arg-max (the lower index on ties) is its target. Bin k
// of CalibrationBins holds the confidences p with k/15 <= p < (k+1)/15
// (edges computed as float64(k)/15); a confidence of exactly 1 goes to a
// 16th bin [1, 1], appended only when it holds a row, as torchmetrics'
// CalibrationError (which buckets with torch.bucketize(right=True) into
// n_bins+1 slots) does. Calibrate returns an *InputError for no rows,
// mismatched lengths, a target outside [0, classes) or a logit that is
// not finite.
func Calibrate(targets []int32, logits []float32, classes int) (*Calibration, error) {
	if err := checkRows("Calibrate", targets, logits, classes); err != nil {
		return nil, err
	}
	conf, right := topConfidences(Softmax(logits, classes), targets, classes)
	return calibrationOf(conf, right), nil
}

// topConfidences returns each row's highest score and whether its
// arg-max (the lower index on ties) is its target.
func topConfidences(scores []float64, targets []int32, classes int) ([]float64, []bool) {
	conf := make([]float64, len(targets))
	right := make([]bool, len(targets))
	for i, y := range targets {
		row := scores[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		conf[i], right[i] = row[best], int32(best) == y
	}
	return conf, right
}

// calibrationOf bins confidences in [0, 1] with their correctness.
func calibrationOf(conf []float64, right []bool) *Calibration {
	var count [CalibrationBins + 1]int64
	var sumConf, sumRight [CalibrationBins + 1]float64
	for i, p := range conf {
		k := binOf(p)
		count[k]++
		sumConf[k] += p
		if right[i] {
			sumRight[k]++
		}
	}
	c := &Calibration{}
	n := float64(len(conf))
	for k := 0; k <= CalibrationBins; k++ {
		b := ReliabilityBin{Lower: float64(k) / CalibrationBins, Upper: float64(k+1) / CalibrationBins, Count: count[k]}
		if k == CalibrationBins {
			if count[k] == 0 {
				break
			}
			b.Upper = 1
		}
		if count[k] > 0 {
			b.Confidence = sumConf[k] / float64(count[k])
			b.Accuracy = sumRight[k] / float64(count[k])
			gap := math.Abs(b.Accuracy - b.Confidence)
			c.ECE += gap * (float64(count[k]) / n)
			c.MCE = math.Max(c.MCE, gap)
		}
		c.Bins = append(c.Bins, b)
	}
	return c
}

// binOf returns the bin of confidence p: the largest k <= CalibrationBins
// with float64(k)/15 <= p (0 for p below 0, which a probability is not).
func binOf(p float64) int {
	k := int(p * CalibrationBins)
	k = max(0, min(k, CalibrationBins))
	// p*15 rounds; settle k against the edges themselves.
	for k > 0 && p < float64(k)/CalibrationBins {
		k--
	}
	for k < CalibrationBins && p >= float64(k+1)/CalibrationBins {
		k++
	}
	return k
}

// checkRows returns an *InputError of op unless there is at least one
// row, classes is in [1, MaxClasses], logits hold len(targets) rows of
// classes finite values and every target is in [0, classes).
func checkRows(op string, targets []int32, logits []float32, classes int) error {
	if err := checkClasses(op, classes); err != nil {
		return err
	}
	switch {
	case len(targets) == 0:
		return &InputError{op, "no rows"}
	case len(logits) != len(targets)*classes:
		return &InputError{op, fmt.Sprintf("%d logits for %d rows of %d classes", len(logits), len(targets), classes)}
	}
	for i, y := range targets {
		if y < 0 || int(y) >= classes {
			return &InputError{op, fmt.Sprintf("row %d: target %d outside [0, %d)", i, y, classes)}
		}
	}
	for i, l := range logits {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return &InputError{op, fmt.Sprintf("row %d, class %d: logit %v", i/classes, i%classes, l)}
		}
	}
	return nil
}
