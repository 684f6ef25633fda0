// Package statedict moves a model's state between a graph.Model and
// safetensors tensors under PyTorch's state_dict names. Loading is strict,
// like PyTorch's load_state_dict(strict=True): every entry must be there
// with its exact dtype and shape, and nothing else may be.
package statedict

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
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

// Load sets m's state from the tensors of f named prefix+name. Entries of
// f outside the prefix are ignored; inside it, an entry m does not have is
// an error. source names the file in errors. Nothing of m changes unless
// every entry checks out.
func Load(m *graph.Model, f *safetensors.File, prefix, source string) error {
	state := m.State()
	want := make(map[string]bool, len(state))
	for _, e := range state {
		want[prefix+e.Name] = true
	}
	var extra []string
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, prefix) && !want[t.Name] {
			extra = append(extra, t.Name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("statedict: %s: unexpected entries the model does not have: %s", source, strings.Join(extra, ", "))
	}
	// Check and convert everything first, then write.
	f32 := make([][]float32, len(state))
	counts := make([]int64, len(state))
	for i, e := range state {
		name := prefix + e.Name
		t, ok := f.Get(name)
		if !ok {
			return fmt.Errorf("statedict: %s: missing entry %s", source, name)
		}
		if e.Count != nil {
			v, err := t.Int64s()
			if err != nil || len(t.Shape) != 0 {
				return fmt.Errorf("statedict: %s: %s must be an I64 scalar, is %s%v", source, name, t.DType, t.Shape)
			}
			if v[0] < 0 {
				return fmt.Errorf("statedict: %s: %s is negative (%d)", source, name, v[0])
			}
			counts[i] = v[0]
			continue
		}
		shape := e.Tensor.Shape()
		if t.DType != safetensors.DTypeF32 || !sameShape(t.Shape, shape) {
			return fmt.Errorf("statedict: %s: %s is %s%v, the model expects F32%v", source, name, t.DType, t.Shape, []int(shape))
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

func sameShape(a []int, b []int) bool {
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
