package trainer

import (
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
)

// SaveState writes m's state_dict to path as safetensors: F32 weights and
// running statistics, I64 num_batches_tracked, PyTorch names, so that
// PyTorch's load_state_dict(strict=True) accepts it. The file is written
// atomically (temporary name, fsync, rename).
func SaveState(path string, m *graph.Model, metadata map[string]string) error {
	tensors, err := statedict.Tensors(m, "")
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, tensors, metadata)
}

// LoadState reads a safetensors state_dict from path into m, strictly:
// the file is untrusted, so its format is validated whole, every entry of
// m must be present with its exact dtype and shape and finite values, and
// extra entries are refused. On any error m is unchanged.
func LoadState(path string, m *graph.Model) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	return statedict.Load(m, f, "", path)
}
