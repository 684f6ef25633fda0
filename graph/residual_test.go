package graph_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// copyCounting is the CPU backend counting its Copy calls.
type copyCounting struct {
	*ops.CPU
	copies int
}

func (b *copyCounting) Copy(dst, src *ops.Tensor) error {
	b.copies++
	return b.CPU.Copy(dst, src)
}

// TestGradientsPassedWithoutCopies checks that resnet9's residual sums
// and its flatten hand their gradient on without a copy (their
// correctness is TestModelGradientFiniteDifferences's and the PyTorch
// goldens'; TestContextReuseMatchesFresh covers a reused context).
func TestGradientsPassedWithoutCopies(t *testing.T) {
	b := &copyCounting{CPU: ops.NewCPU()}
	m := newModel(t, b, 2, 3, 4, 0)
	c := graph.NewContext(b, true)
	defer c.Release()
	pass(t, b, m, c, 3, 7)
	if b.copies != 0 {
		t.Errorf("a training pass made %d copies, want 0", b.copies)
	}
}
