package gpu

import (
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

// A store larger than one storage binding is refused, naming the limit,
// and MaxGatherBytes says so beforehand (the trainer then makes the
// batches on the host).
func TestGatherStoreLargerThanABinding(t *testing.T) {
	g := splitBackend(t)
	g.testBindCap = 4 << 10
	defer func() { g.testBindCap = 0 }()
	if got := g.MaxGatherBytes(); got != 4<<10 {
		t.Fatalf("MaxGatherBytes = %d, want %d", got, 4<<10)
	}
	spec := ops.GatherSpec{Count: 5, C: 1, H: 32, W: 32, Pad: 4} // 5120 bytes
	alloc := func(dt ops.DType, s ...int) *ops.Tensor {
		x, err := g.Alloc(dt, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Free(x) })
		return x
	}
	err := g.GatherImages(alloc(ops.F32, 2, 1, 32, 32), alloc(ops.I32, ops.GatherStoreWords(spec)), alloc(ops.F32, 1, 256), alloc(ops.I32, 2, 2), spec)
	if err == nil || !strings.Contains(err.Error(), "5120 bytes exceeds the device's storage binding of 4096 bytes") {
		t.Fatalf("GatherImages from a store of 5120 bytes with bindings of 4096: %v", err)
	}
}
