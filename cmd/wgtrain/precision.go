package main

import (
	"github.com/spf13/pflag"

	"github.com/wgtrain/wgtrain/gpu"
)

// precisionUsage is the help text of --precision.
const precisionUsage = "how activations and their gradients are stored: f32, or f16 (WebGPU only: binary16 storage with float32 arithmetic in every kernel; weights, optimizer state, batch-norm statistics, logits and the loss stay float32, as with PyTorch's automatic mixed precision)"

// addPrecision adds --precision to a command that opens a backend.
func addPrecision(fs *pflag.FlagSet) {
	fs.String("precision", gpu.PrecisionF32, precisionUsage)
}

// precisionFlag returns --precision's value: a usage error for a value
// other than f32 and f16, and for f16 with --backend cpu. (With --backend
// auto and no WebGPU adapter, gpu.Select refuses f16.)
func precisionFlag(fs *pflag.FlagSet) (string, error) {
	p, _ := fs.GetString("precision")
	if p == "" || gpu.CheckPrecision(p) != nil {
		return "", usagef("--precision %q: want f32 or f16", p)
	}
	if b, _ := fs.GetString("backend"); p == gpu.PrecisionF16 && b == "cpu" {
		return "", usagef("--precision f16 needs the WebGPU backend: --backend cpu stores activations as float32 only")
	}
	return p, nil
}
