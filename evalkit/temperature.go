package evalkit

import "math"

// The bracket and tolerance of FitTemperature: T is searched in
// [MinTemperature, MaxTemperature], the search stops when a step in
// 1/T is below temperatureTol relative to 1/T, or after
// temperatureIters steps.
const (
	MinTemperature   = 0.01
	MaxTemperature   = 100.0
	temperatureTol   = 1e-13
	temperatureIters = 200
)

// FitTemperature returns the temperature T that minimizes the mean
// negative log-likelihood of the targets under softmax(logits/T)
// (temperature scaling), with that NLL and the NLL at T = 1. The NLL is
// convex in b = 1/T, so FitTemperature finds the root of its derivative
// (the mean over rows of E_softmax(b·z)[z] - z_target) by Newton's method
// in b, safeguarded by bisection on the bracket b in [1/MaxTemperature,
// 1/MinTemperature]: deterministic, and exact to about 1e-13 relative.
// The minimizer at a bracket end (data the logits separate perfectly want
// T -> 0) gives that end. Logits whose rows are all constant leave the
// NLL flat: T = 1. It returns an *InputError for no rows, mismatched
// lengths, a target outside [0, classes) or a logit that is not finite.
func FitTemperature(targets []int32, logits []float32, classes int) (t, nll, nll1 float64, err error) {
	if err := checkRows("FitTemperature", targets, logits, classes); err != nil {
		return 0, 0, 0, err
	}
	lo, hi := 1/MaxTemperature, 1/MinTemperature
	g := func(b float64) (float64, float64) { return nllSlope(targets, logits, classes, b) }
	nll1 = MeanNLL(targets, logits, classes, 1)
	if flatRows(logits, classes) {
		return 1, nll1, nll1, nil
	}
	if d, _ := g(lo); d >= 0 {
		return 1 / lo, MeanNLL(targets, logits, classes, 1/lo), nll1, nil
	}
	if d, _ := g(hi); d <= 0 {
		return 1 / hi, MeanNLL(targets, logits, classes, 1/hi), nll1, nil
	}
	b := 1.0
	for it := 0; it < temperatureIters; it++ {
		d, c := g(b)
		if d == 0 {
			break
		}
		if d < 0 {
			lo = b
		} else {
			hi = b
		}
		next := b - d/c
		if c <= 0 || !(next > lo && next < hi) {
			next = lo + (hi-lo)/2
		}
		if math.Abs(next-b) <= temperatureTol*b {
			b = next
			break
		}
		b = next
	}
	return 1 / b, MeanNLL(targets, logits, classes, 1/b), nll1, nil
}

// flatRows reports whether every row of logits holds one value only.
func flatRows(logits []float32, classes int) bool {
	for i, l := range logits {
		if l != logits[i-i%classes] {
			return false
		}
	}
	return true
}

// MeanNLL returns the mean over rows of -log softmax(logits/t)[target],
// for checked rows and t > 0.
func MeanNLL(targets []int32, logits []float32, classes int, t float64) float64 {
	var sum float64
	for i, y := range targets {
		row := logits[i*classes : (i+1)*classes]
		m := math.Inf(-1)
		for _, l := range row {
			m = math.Max(m, float64(l)/t)
		}
		var s float64
		for _, l := range row {
			s += math.Exp(float64(l)/t - m)
		}
		sum += m + math.Log(s) - float64(row[y])/t
	}
	return sum / float64(len(targets))
}

// nllSlope returns the first and second derivatives in b of the mean NLL
// of softmax(b·logits): the means over rows of E_p[z] - z_target and of
// Var_p[z], p = softmax(b·z).
func nllSlope(targets []int32, logits []float32, classes int, b float64) (d1, d2 float64) {
	for i, y := range targets {
		row := logits[i*classes : (i+1)*classes]
		m := math.Inf(-1)
		for _, l := range row {
			m = math.Max(m, b*float64(l))
		}
		var s, ez, ez2 float64
		for _, l := range row {
			z := float64(l)
			e := math.Exp(b*z - m)
			s += e
			ez += e * z
			ez2 += e * z * z
		}
		mean := ez / s
		d1 += mean - float64(row[y])
		d2 += math.Max(0, ez2/s-mean*mean)
	}
	n := float64(len(targets))
	return d1 / n, d2 / n
}

// ScaleLogits returns logits divided by t (t > 0 and finite; what
// `wgtrain predict --temperature` writes).
func ScaleLogits(logits []float32, t float64) []float32 {
	out := make([]float32, len(logits))
	for i, l := range logits {
		out[i] = float32(float64(l) / t)
	}
	return out
}

// TemperatureScaling records a fitted temperature in a report: the
// temperature, the split it was fitted on with the mean NLL there before
// (T = 1) and after, and the report split's accuracy, ECE and MCE before
// and after. Dividing logits by T > 0 keeps each row's arg-max, so the
// accuracy (and every arg-max metric) is the same; Note says so.
type TemperatureScaling struct {
	Temperature float64 `json:"temperature"`
	FitSplit    string  `json:"fit_split,omitempty"`
	NLLBefore   float64 `json:"fit_nll_before"`
	NLLAfter    float64 `json:"fit_nll_after"`
	Accuracy    float64 `json:"accuracy"`
	ECEBefore   float64 `json:"ece_before"`
	ECEAfter    float64 `json:"ece_after"`
	MCEBefore   float64 `json:"mce_before"`
	MCEAfter    float64 `json:"mce_after"`
	Note        string  `json:"note"`
}

// temperatureNote is TemperatureScaling's Note.
const temperatureNote = "logits divided by the temperature keep their arg-max: accuracy is unchanged"

// NewTemperatureScaling fits a temperature on the fit rows
// (FitTemperature) and measures the calibration of the eval rows before
// and after dividing their logits by it; both sets are targets and
// row-major logits of classes classes. Errors are FitTemperature's and
// Calibrate's.
func NewTemperatureScaling(fitSplit string, fitTargets []int32, fitLogits []float32, targets []int32, logits []float32, classes int) (*TemperatureScaling, error) {
	t, after, before, err := FitTemperature(fitTargets, fitLogits, classes)
	if err != nil {
		return nil, err
	}
	c0, err := Calibrate(targets, logits, classes)
	if err != nil {
		return nil, err
	}
	c1, err := Calibrate(targets, ScaleLogits(logits, t), classes)
	if err != nil {
		return nil, err
	}
	_, right := topConfidences(Softmax(logits, classes), targets, classes)
	var n float64
	for _, ok := range right {
		if ok {
			n++
		}
	}
	return &TemperatureScaling{
		Temperature: t, FitSplit: fitSplit, NLLBefore: before, NLLAfter: after,
		Accuracy:  n / float64(len(right)),
		ECEBefore: c0.ECE, ECEAfter: c1.ECE, MCEBefore: c0.MCE, MCEAfter: c1.MCE,
		Note: temperatureNote,
	}, nil
}
