package conformance_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/internal/gputest"
)

// TestWebGPU runs the whole suite on the WebGPU backend, on whatever
// adapter gpu.New picks (lavapipe on the project's machines).
func TestWebGPU(t *testing.T) {
	b := gputest.Backend(t)
	t.Logf("adapter: %s", b.Adapter())
	conformance.RunAll(t, b)
}
