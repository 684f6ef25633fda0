package gpu

import (
	"fmt"
	"io"

	"github.com/wgtrain/wgtrain/ops"
)

// Select returns the backend that a --backend flag names: "cpu" (the
// reference backend), "webgpu" (an error when no adapter is usable), or
// "auto" (WebGPU when an adapter is usable, else the CPU backend, with one
// line on w saying so). The returned function releases the backend.
func Select(name string, o Options, w io.Writer) (ops.Backend, func() error, error) {
	none := func() error { return nil }
	switch name {
	case "cpu":
		return ops.NewCPU(), none, nil
	case "webgpu", "auto":
		g, err := New(o)
		if err == nil {
			return g, g.Close, nil
		}
		if name == "webgpu" {
			return nil, none, err
		}
		if w != nil {
			fmt.Fprintf(w, "wgtrain: using the CPU backend: %v\n", err)
		}
		return ops.NewCPU(), none, nil
	}
	return nil, none, fmt.Errorf("gpu: unknown backend %q (want auto, webgpu or cpu)", name)
}
