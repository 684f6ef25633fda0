package trainer

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// StopAt is a target for the valid metric (Config.StopAt): the run stops
// at the end of the first epoch whose Valid loader's Key reaches Value,
// that is Key >= Value, or Key <= Value when Minimize.
type StopAt struct {
	Key      string  `json:"key"` // a logged key (LoggedKeys)
	Value    float64 `json:"value"`
	Minimize bool    `json:"minimize"`
}

// Reached reports whether v reaches the target; NaN never does.
func (s StopAt) Reached(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if s.Minimize {
		return v <= s.Value
	}
	return v >= s.Value
}

// String is the target as "accuracy01 >= 0.93".
func (s StopAt) String() string {
	op := ">="
	if s.Minimize {
		op = "<="
	}
	return fmt.Sprintf("%s %s %s", s.Key, op, strconv.FormatFloat(s.Value, 'g', -1, 64))
}

// TimeToTarget is the time to a StopAt target (metrics.json's "stop_at"
// and Result.StopAt): the first epoch of the history whose valid metric
// reached it, the wall time from the run's start to that epoch's end and
// the metric then; when no epoch reached it, Reached is false and the
// other three are 0.
type TimeToTarget struct {
	StopAt
	Loader   string  `json:"loader"`
	Reached  bool    `json:"reached"`
	Epoch    int     `json:"epoch"` // 1-based
	ElapsedS float64 `json:"elapsed_s"`
	Metric   float64 `json:"metric"`
}

// timeToTarget is the time to the run's StopAt over its history; nil
// without a StopAt.
func (r *run) timeToTarget() *TimeToTarget {
	s := r.cfg.StopAt
	if s == nil {
		return nil
	}
	t := &TimeToTarget{StopAt: *s, Loader: r.cfg.Valid}
	for _, rec := range r.history {
		if v := rec.Metrics[r.cfg.Valid][s.Key]; s.Reached(v) {
			t.Reached, t.Epoch, t.ElapsedS, t.Metric = true, rec.Epoch, rec.ElapsedS, v
			break
		}
	}
	return t
}

// checkStopAt checks Config.StopAt's key and value.
func (cfg *Config) checkStopAt() error {
	s := cfg.StopAt
	if s == nil {
		return nil
	}
	if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
		return fmt.Errorf("trainer: stop-at %s: want a finite value", s.Key)
	}
	if err := checkMetricKey(s.Key, cfg.Model.NumClasses, cfg.Criteria); err != nil {
		return fmt.Errorf("trainer: stop-at: %w", err)
	}
	return nil
}

// elapsed is the wall time of the run so far in seconds: that of the
// sessions before a resume plus this one's.
func (r *run) elapsed() float64 {
	return r.elapsedBefore + time.Since(r.started).Seconds()
}

// sameStopAt reports whether two targets are the same (both nil, or equal).
func sameStopAt(a, b *StopAt) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
