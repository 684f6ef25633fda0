package evalkit

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// TestMisuseIsAnError: arguments that cannot be worked on give an
// *InputError naming the function and what is wrong, never a panic.
func TestMisuseIsAnError(t *testing.T) {
	scores := []float64{0.2, 0.8, 0.6, 0.4} // two rows of two classes
	acc := must(NewAccumulator(2))
	cases := []struct {
		name, want string
		call       func() error
	}{
		{"NewAccumulator(0)", "NewAccumulator: 0 classes: want 1 to 10000", func() error { _, err := NewAccumulator(0); return err }},
		{"NewAccumulator(-1)", "NewAccumulator: -1 classes", func() error { _, err := NewAccumulator(-1); return err }},
		{"NewAccumulator(MaxClasses+1)", "NewAccumulator: 10001 classes", func() error { _, err := NewAccumulator(MaxClasses + 1); return err }},
		{"NewAccumulator(2^32)", "4294967296 classes", func() error { _, err := NewAccumulator(1 << 32); return err }},
		{"Merge(nil)", "Merge: nil accumulator", func() error { return acc.Merge(nil) }},
		// 2^32 classes squared wraps to 0 cells, which an empty list matched.
		{"UnmarshalJSON of 2^32 classes", "UnmarshalJSON: 4294967296 classes", func() error {
			return json.Unmarshal([]byte(`{"classes":4294967296,"confusion":[],"rows":0,"logit_rows":0,"topk_hits":[0,0,0]}`), new(Accumulator))
		}},
		{"PredictWithThresholds with 3 thresholds", "PredictWithThresholds: 3 thresholds for 2 classes", func() error {
			_, err := PredictWithThresholds(scores, 2, []float64{0.5, 0.5, 0.5})
			return err
		}},
		{"PredictWithThresholds of 0 classes", "PredictWithThresholds: 0 classes", func() error {
			_, err := PredictWithThresholds(scores, 0, []float64{})
			return err
		}},
		{"PredictWithThresholds of half a row", "3 scores are not rows of 2 classes", func() error {
			_, err := PredictWithThresholds(scores[:3], 2, nil)
			return err
		}},
		{"Score of 2 predictions for 1 target", "Score: 2 predictions for 1 targets", func() error {
			_, err := Score([]int32{0, 1}, []int32{0}, 2, Accuracy)
			return err
		}},
		{"Score of a prediction outside the classes", "Score: row 1: prediction 2 outside [0, 2)", func() error {
			_, err := Score([]int32{0, 2}, []int32{0, 1}, 2, F1Macro)
			return err
		}},
		{"Score of a negative target", "Score: row 0: target -1 outside [0, 2)", func() error {
			_, err := Score([]int32{0, 1}, []int32{-1, 1}, 2, F1Micro)
			return err
		}},
		{"Score of an unknown objective", `Score: unknown objective "auc"`, func() error {
			_, err := Score([]int32{0}, []int32{0}, 2, "auc")
			return err
		}},
		{"Score of 0 classes", "Score: 0 classes", func() error { _, err := Score(nil, nil, 0, Accuracy); return err }},
		{"AUC of too few scores", "AUC: 3 scores for 2 rows of 2 classes", func() error {
			_, err := AUC(scores[:3], []int32{0, 1}, 2)
			return err
		}},
		{"AUC of a target outside the classes", "AUC: row 1: target 5 outside [0, 2)", func() error {
			_, err := AUC(scores, []int32{0, 5}, 2)
			return err
		}},
		{"AUC of -1 classes", "AUC: -1 classes", func() error { _, err := AUC(nil, nil, -1); return err }},
		{"NewReport of MaxClasses+1 classes", "NewReport: 10001 classes", func() error {
			_, err := NewReport([]int32{0}, make([]float32, MaxClasses+1), MaxClasses+1, nil, ReportOptions{})
			return err
		}},
		{"EncodePredictions(nil)", "WritePredictions: nil predictions", func() error { return EncodePredictions(io.Discard, nil) }},
		{"Search of MaxClasses+1 classes", "SearchThresholds: 10001 classes", func() error {
			_, err := Search(make([]float64, MaxClasses+1), []int32{0}, MaxClasses+1, Accuracy)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "evalkit: ") {
				t.Errorf("err = %v (%T), want an *InputError saying %q", err, err, c.want)
			}
		})
	}
}

// TestAUCWithNaNEnds: a NaN score once made the tie loop spin forever.
func TestAUCWithNaNEnds(t *testing.T) {
	done := make(chan []float64, 1)
	go func() {
		auc, err := AUC([]float64{math.NaN(), 1, 0.3, 0.7}, []int32{0, 1}, 2)
		if err != nil {
			t.Error(err)
		}
		done <- auc
	}()
	select {
	case auc := <-done:
		if len(auc) != 2 {
			t.Errorf("AUC = %v, want 2 values", auc)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AUC with a NaN score did not return in 10 s")
	}
}
