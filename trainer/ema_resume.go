package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/internal/safetensors"
)

// emaTensors are the resume checkpoint's "ema/<param>" entries: the
// average of each trainable parameter; none without EMA.
func (r *run) emaTensors() ([]safetensors.Tensor, error) {
	if r.ema == nil {
		return nil, nil
	}
	var ts []safetensors.Tensor
	for i, p := range r.ema.Params() {
		s := r.ema.Shadow(i)
		h, err := s.Owner().Download(s)
		if err != nil {
			return nil, err
		}
		ts = append(ts, safetensors.F32("ema/"+p.Name, []int(p.Value.Shape().Clone()), h))
	}
	return ts, nil
}

// readEMA reads and checks the resume checkpoint's "ema/<param>" entries
// before anything is loaded; nil without EMA.
func (r *run) readEMA(f *safetensors.File, path string, updates int) ([][]float32, error) {
	if r.ema == nil {
		return nil, nil
	}
	if updates < 0 {
		return nil, fmt.Errorf("trainer: %s: negative ema_updates (%d)", path, updates)
	}
	vals := make([][]float32, len(r.ema.Params()))
	for i, p := range r.ema.Params() {
		name := "ema/" + p.Name
		t, ok := f.Get(name)
		if !ok {
			return nil, fmt.Errorf("trainer: %s: missing entry %s (was the run started without --ema?)", path, name)
		}
		if t.DType != safetensors.DTypeF32 || t.Numel() != p.Value.Numel() {
			return nil, fmt.Errorf("trainer: %s: %s is %s%v, want F32%v", path, name, t.DType, t.Shape, []int(p.Value.Shape()))
		}
		v, err := t.Float32s()
		if err != nil {
			return nil, fmt.Errorf("trainer: %s: %w", path, err)
		}
		for k, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("trainer: %s: %s has a non-finite value %g at index %d", path, name, x, k)
			}
		}
		vals[i] = v
	}
	return vals, nil
}

// loadEMA uploads readEMA's values into the average.
func (r *run) loadEMA(vals [][]float32, updates int) error {
	if r.ema == nil {
		return nil
	}
	for i, v := range vals {
		s := r.ema.Shadow(i)
		if err := s.Owner().Upload(s, v); err != nil {
			return err
		}
	}
	r.ema.Updates = updates
	return nil
}
