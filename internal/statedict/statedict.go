// Package statedict moves a model's state between a graph.Model and
// safetensors tensors under PyTorch's state_dict names. Loading is strict,
// like PyTorch's load_state_dict(strict=True): every entry must be there
// with its exact dtype and shape, and nothing else may be. Check makes
// those checks against a list of entries (graph.StateSpec), so that a
// file can be checked before the model it needs is built.
package statedict

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/ops"
)

// Tensors downloads m's state as safetensors tensors named prefix+name:
// F32 for weights and running statistics, I64 scalars for counters.
func Tensors(m *graph.Model, prefix string) ([]safetensors.Tensor, error) {
	var out []safetensors.Tensor
	for _, e := range m.State() {
		if e.Count != nil {
			out = append(out, safetensors.I64(prefix+e.Name, []int{}, []int64{*e.Count}))
			continue
		}
		data, err := e.Tensor.Owner().Download(e.Tensor)
		if err != nil {
			return nil, fmt.Errorf("statedict: reading %s: %w", e.Name, err)
		}
		out = append(out, safetensors.F32(prefix+e.Name, []int(e.Tensor.Shape().Clone()), data))
	}
	return out, nil
}

// Check checks f's entries named prefix+name against want, strictly and
// without decoding anything: every entry of want must be there, an F32
// tensor of its shape or, for a counter, an I64 scalar, and f may hold
// nothing else under the prefix (entries outside it are ignored). source
// names the file in errors. The errors are Load's.
func Check(f *safetensors.File, want []graph.StateSpec, prefix, source string) error {
	names := make(map[string]bool, len(want))
	for _, e := range want {
		names[prefix+e.Name] = true
	}
	var extra []string
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, prefix) && !names[t.Name] {
			extra = append(extra, t.Name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("statedict: %s: unexpected entries the model does not have: %s", source, strings.Join(extra, ", "))
	}
	for _, e := range want {
		name := prefix + e.Name
		t, ok := f.Get(name)
		if !ok {
			return fmt.Errorf("statedict: %s: missing entry %s", source, name)
		}
		if e.Count {
			if t.DType != safetensors.DTypeI64 || len(t.Shape) != 0 {
				return fmt.Errorf("statedict: %s: %s must be an I64 scalar, is %s%v", source, name, t.DType, t.Shape)
			}
			continue
		}
		if t.DType != safetensors.DTypeF32 || !sameShape(t.Shape, e.Shape) {
			return fmt.Errorf("statedict: %s: %s is %s%v, the model expects F32%v", source, name, t.DType, t.Shape, []int(e.Shape))
		}
	}
	return nil
}

// Load sets m's state from the tensors of f named prefix+name, after
// Check against m's entries; it also refuses non-finite values and
// negative counters. source names the file in errors. Nothing of m
// changes unless every entry checks out.
func Load(m *graph.Model, f *safetensors.File, prefix, source string) error {
	if err := Check(f, m.Specs(), prefix, source); err != nil {
		return err
	}
	state := m.State()
	// Check and convert everything first, then write.
	f32 := make([][]float32, len(state))
	counts := make([]int64, len(state))
	for i, e := range state {
		name := prefix + e.Name
		t, _ := f.Get(name)
		if e.Count != nil {
			v, err := t.Int64s()
			if err != nil {
				return fmt.Errorf("statedict: %s: %w", source, err)
			}
			if v[0] < 0 {
				return fmt.Errorf("statedict: %s: %s is negative (%d)", source, name, v[0])
			}
			counts[i] = v[0]
			continue
		}
		v, err := t.Float32s()
		if err != nil {
			return fmt.Errorf("statedict: %s: %w", source, err)
		}
		for j, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("statedict: %s: %s has a non-finite value (%g) at index %d", source, name, x, j)
			}
		}
		f32[i] = v
	}
	for i, e := range state {
		if e.Count != nil {
			*e.Count = counts[i]
			continue
		}
		if err := e.Tensor.Owner().Upload(e.Tensor, f32[i]); err != nil {
			return fmt.Errorf("statedict: %s: writing %s: %w", source, e.Name, err)
		}
	}
	return nil
}

func sameShape(a []int, b ops.Shape) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
