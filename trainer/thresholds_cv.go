package trainer

import (
	"fmt"

	"github.com/wgtrain/wgtrain/evalkit"
)

// The end-of-run cross-validation of per-class thresholds (docs/SPEC.md
// §7): 5 stratified folds of the valid loader's final predictions, seed 42.
const (
	thresholdsCVFolds = 5
	thresholdsCVSeed  = 42
	thresholdsCVFile  = "thresholds_cv.json"
)

// ThresholdsCVObjective returns the objective the end of a run
// cross-validates the thresholds with: the valid metric when the
// threshold search supports it (accuracy01, f1/_micro, f1/_macro or
// f1/_weighted, maximized), accuracy otherwise.
func ThresholdsCVObjective(validMetric string, minimize bool) evalkit.Objective {
	if !minimize {
		switch validMetric {
		case "f1/_micro":
			return evalkit.F1Micro
		case "f1/_macro":
			return evalkit.F1Macro
		case "f1/_weighted":
			return evalkit.F1Weighted
		}
	}
	return evalkit.Accuracy
}

// ThresholdsCV returns the path of thresholds_cv.json, the cross-validation
// of per-class thresholds on the valid split (evalkit.ThresholdsCV as
// JSON); a run whose valid split has a class with fewer than 2 samples
// writes none.
func (d RunDir) ThresholdsCV() string { return d.path(thresholdsCVFile) }

// thresholdsCV cross-validates per-class thresholds on the valid loader's
// final predictions p with min(5, the smallest class's count) folds,
// scores the thresholds searched on all of p once on the held-out
// predictions of the loader named held (the report's split) when that is
// another loader, writes thresholds_cv.json and records the result in
// res; with fewer than 2 folds possible it records why in
// res.ThresholdsCVNote instead.
func (r *run) thresholdsCV(p, heldOut *evalkit.Predictions, held string, res *Result) error {
	if p == nil || p.Len() == 0 {
		res.ThresholdsCVNote = "not cross-validated: no validation predictions"
		return r.write(func() error { return r.dir.remove(thresholdsCVFile) })
	}
	c := r.cfg.Model.NumClasses
	cls, n := evalkit.SmallestClass(p.Target, c)
	k := min(thresholdsCVFolds, n)
	if k < 2 {
		res.ThresholdsCVNote = fmt.Sprintf("not cross-validated: class %d has %d validation sample(s), 2 folds need 2", cls, n)
		return r.write(func() error { return r.dir.remove(thresholdsCVFile) }) // not an earlier run's verdict
	}
	obj := ThresholdsCVObjective(r.cfg.ValidMetric, r.cfg.Minimize)
	probs := evalkit.Softmax(p.Logits, c)
	cv, err := evalkit.CrossValidateThresholds(probs, p.Target, c, obj, k, thresholdsCVSeed)
	if err != nil {
		return fmt.Errorf("trainer: thresholds cross-validation on %s: %w", r.cfg.Valid, err)
	}
	if held != r.cfg.Valid && heldOut != nil && heldOut.Len() > 0 {
		if cv.HeldOut, err = evalkit.ScoreHeldOut(probs, p.Target, evalkit.Softmax(heldOut.Logits, c), heldOut.Target, c, obj, held); err != nil {
			return fmt.Errorf("trainer: thresholds on %s: %w", held, err)
		}
	}
	res.ThresholdsCV = cv
	return r.write(func() error { return r.dir.writeJSON(cv, thresholdsCVFile) })
}
