// Package gputest opens the WebGPU backend for tests: a test that finds
// no adapter is skipped on a developer's machine, and `make test` says so
// in its last line, and fails under CI (CI=true, 1, yes...), where the
// README's test command installs a software Vulkan driver.
package gputest

import (
	"os"
	"sync"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/citest"
)

var (
	once    sync.Once
	shared  *gpu.Backend
	openErr error
)

// Backend returns a WebGPU backend shared by the tests of one package
// (opening a device and compiling shaders once), or skips or fails t when
// there is none. The device has the limits that WGTRAIN_GPU_LIMITS
// names (gpu.LimitsEnv: adapter, the default, or default).
func Backend(t testing.TB) *gpu.Backend {
	t.Helper()
	if err := gpu.CheckLimitSet(os.Getenv(gpu.LimitsEnv)); err != nil {
		t.Fatalf("%s: %v", gpu.LimitsEnv, err) // a mistake, never a missing adapter
	}
	once.Do(func() { shared, openErr = gpu.New(gpu.Options{}) })
	if openErr != nil {
		citest.Missing(t, "WebGPU", openErr.Error())
	}
	return shared
}
