package gpu

import (
	"fmt"
	"io"

	"github.com/wgtrain/wgtrain/ops"
)

// Select returns the backend that a --backend flag names: "cpu" (the
// reference backend), "webgpu" (an error when no adapter is usable), or
// "auto": WebGPU on a hardware adapter, else the CPU backend, with one
// line on w saying why. A software adapter (Mesa's lavapipe, "llvmpipe")
// counts as none for auto: it runs the shaders on the CPU many times
// slower than the CPU backend; --backend webgpu still uses it. When the
// backend is WebGPU, Select names the adapter in one line on w, and
// warns in a second one when it is a software adapter. w may be nil. The
// returned function releases the backend.
func Select(name string, o Options, w io.Writer) (ops.Backend, func() error, error) {
	none := func() error { return nil }
	if err := CheckPrecision(o.Precision); err != nil {
		return nil, none, fmt.Errorf("gpu: %w", err)
	}
	half := o.Precision == PrecisionF16
	switch name {
	case "cpu":
		if half {
			return nil, none, fmt.Errorf("precision f16 needs the WebGPU backend: the CPU backend stores activations as float32 only")
		}
		return ops.NewCPU(), none, nil
	case "webgpu", "auto":
		g, err := New(o)
		if err == nil && (name == "webgpu" || !g.Adapter().Software()) {
			if w != nil {
				a := g.Adapter()
				fmt.Fprintf(w, "wgtrain: using WebGPU on %s%s\n", a, map[bool]string{true: ", activations stored as f16"}[half])
				if a.Software() {
					fmt.Fprintf(w, "wgtrain: warning: %s is a software adapter: it runs the shaders on the CPU, many times slower than --backend cpu\n", a.Name)
				}
			}
			return g, g.Close, nil
		}
		if err == nil {
			err = fmt.Errorf("the only WebGPU adapter is a software one, %s, which is slower than the CPU backend (--backend webgpu uses it anyway)", g.Adapter())
			g.Close()
		}
		if name == "webgpu" {
			return nil, none, err
		}
		if half {
			return nil, none, fmt.Errorf("precision f16 needs a WebGPU adapter, and auto chose the CPU backend: %w", err)
		}
		if w != nil {
			fmt.Fprintf(w, "wgtrain: using the CPU backend: %v\n", err)
		}
		return ops.NewCPU(), none, nil
	}
	return nil, none, fmt.Errorf("gpu: unknown backend %q (want auto, webgpu or cpu)", name)
}
