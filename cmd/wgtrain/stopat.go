package main

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/trainer"
)

// parseStopAt reads --stop-at KEY=VALUE: KEY one of the run's logged keys,
// VALUE a finite number. The target is a minimum to go below when KEY is
// --valid-metric and --minimize is given; for another KEY, when it is a
// loss ("loss" or a key starting with "loss"). "" is no target.
func parseStopAt(s string, keys []string, validMetric string, minimize bool) (*trainer.StopAt, error) {
	if s == "" {
		return nil, nil
	}
	key, val, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return nil, usagef("--stop-at %q: want KEY=VALUE, such as accuracy01=0.93", s)
	}
	if !slices.Contains(keys, key) {
		return nil, usagef("--stop-at %q: %q is not a logged key; want one of %s", s, key, trainer.KeyList(keys))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, usagef("--stop-at %q: %q is not a finite number", s, val)
	}
	if key != validMetric {
		minimize = strings.HasPrefix(key, "loss")
	}
	return &trainer.StopAt{Key: key, Value: v, Minimize: minimize}, nil
}
