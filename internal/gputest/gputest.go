// Package gputest opens the WebGPU backend for tests: a test that finds
// no adapter is skipped on a developer's machine and fails under CI=true,
// where the README's test command installs a software Vulkan driver.
package gputest

import (
	"os"
	"sync"
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
)

var (
	once    sync.Once
	shared  *gpu.Backend
	openErr error
)

// Backend returns a WebGPU backend shared by the tests of one package
// (opening a device and compiling shaders once), or skips or fails t when
// there is none.
func Backend(t testing.TB) *gpu.Backend {
	t.Helper()
	once.Do(func() { shared, openErr = gpu.New(gpu.Options{}) })
	if openErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the WebGPU backend cannot start: %v", openErr)
		}
		t.Skipf("no WebGPU adapter (set CI=true to make this a failure): %v", openErr)
	}
	return shared
}
