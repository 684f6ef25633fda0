// Package gputest opens the WebGPU backend for tests: a test that finds
// no adapter is skipped on a developer's machine, and `make test` says so
// in its last line, and fails under CI (CI=true, 1, yes...), where the
// README's test command installs a software Vulkan driver.
package gputest

import (
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
// there is none.
func Backend(t testing.TB) *gpu.Backend {
	t.Helper()
	once.Do(func() { shared, openErr = gpu.New(gpu.Options{}) })
	if openErr != nil {
		citest.Missing(t, "WebGPU", openErr.Error())
	}
	return shared
}
