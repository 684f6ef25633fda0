package trainer

import (
	"testing"

	"github.com/wgtrain/wgtrain/evalkit"
)

// The end-of-run cross-validation uses the valid metric when the search
// can maximize it, accuracy otherwise.
func TestThresholdsCVObjective(t *testing.T) {
	for _, tc := range []struct {
		key      string
		minimize bool
		want     evalkit.Objective
	}{
		{"accuracy01", false, evalkit.Accuracy},
		{"f1/_micro", false, evalkit.F1Micro},
		{"f1/_macro", false, evalkit.F1Macro},
		{"f1/_weighted", false, evalkit.F1Weighted},
		{"f1/_macro", true, evalkit.Accuracy},
		{"loss", true, evalkit.Accuracy},
		{"precision/_macro", false, evalkit.Accuracy},
		{"f1/class_03", false, evalkit.Accuracy},
	} {
		if got := ThresholdsCVObjective(tc.key, tc.minimize); got != tc.want {
			t.Errorf("%q minimize %v: %q, want %q", tc.key, tc.minimize, got, tc.want)
		}
	}
}
