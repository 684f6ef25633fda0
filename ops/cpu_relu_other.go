//go:build !amd64

package ops

// Without vector kernels, reluF32 and reluBackF32 (cpu_relu.go) run their
// Go loops on every element.

// reluVec handles no prefix: it returns 0.
func reluVec(out, in []float32) int { return 0 }

// reluBackVec handles no prefix: it returns 0.
func reluBackVec(g, y, up []float32) int { return 0 }
