package evalkit

import (
	"encoding/json"
	"fmt"
)

// accumulatorJSON is an Accumulator's counts as JSON, for checkpoints of
// a run interrupted mid-loader.
type accumulatorJSON struct {
	Classes   int      `json:"classes"`
	Confusion []int64  `json:"confusion"` // classes*classes, row-major, rows true
	Rows      int64    `json:"rows"`
	LogitRows int64    `json:"logit_rows"`
	TopKHits  [3]int64 `json:"topk_hits"` // k = 1, 3, 5
}

// MarshalJSON encodes the accumulator's counts.
func (a *Accumulator) MarshalJSON() ([]byte, error) {
	return json.Marshal(accumulatorJSON{Classes: a.classes, Confusion: a.cm, Rows: a.n, LogitRows: a.logitN, TopKHits: a.hits})
}

// UnmarshalJSON restores counts written by MarshalJSON into an
// accumulator of the same number of classes, checking that they are
// consistent (no negative count, rows equal to the confusion matrix's
// sum, hits at most the rows with logits).
func (a *Accumulator) UnmarshalJSON(data []byte) error {
	var j accumulatorJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return &InputError{"UnmarshalJSON", err.Error()}
	}
	if a.classes == 0 {
		if err := checkClasses("UnmarshalJSON", j.Classes); err != nil {
			return err
		}
		a.classes = j.Classes
	}
	if j.Classes != a.classes || len(j.Confusion) != a.classes*a.classes {
		return &InputError{"UnmarshalJSON", fmt.Sprintf("counts of %d classes (%d cells) for an accumulator of %d", j.Classes, len(j.Confusion), a.classes)}
	}
	var sum int64
	for _, v := range j.Confusion {
		if v < 0 {
			return &InputError{"UnmarshalJSON", "a negative count"}
		}
		sum += v
	}
	if sum != j.Rows || j.LogitRows < 0 || j.LogitRows > j.Rows {
		return &InputError{"UnmarshalJSON", fmt.Sprintf("%d rows, %d with logits, but the confusion matrix sums to %d", j.Rows, j.LogitRows, sum)}
	}
	for _, h := range j.TopKHits {
		if h < 0 || h > j.Rows {
			return &InputError{"UnmarshalJSON", fmt.Sprintf("top-k hits %v out of range", j.TopKHits)}
		}
	}
	a.cm = append(a.cm[:0], j.Confusion...)
	a.n, a.logitN, a.hits = j.Rows, j.LogitRows, j.TopKHits
	return nil
}
