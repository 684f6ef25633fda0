package gpu

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// AdapterInfo describes one WebGPU adapter.
type AdapterInfo struct {
	Name    string // the adapter's name, such as "llvmpipe (LLVM 15.0.6, 256 bits)"
	Driver  string // the driver's own description
	Backend string // "Vulkan", "Metal", "D3D12", "OpenGL", ...
	Type    string // "discrete GPU", "integrated GPU", "CPU", "unknown"
}

// String formats the adapter as "name (Backend, type)".
func (a AdapterInfo) String() string {
	return fmt.Sprintf("%s (%s, %s)", a.Name, a.Backend, a.Type)
}

// Software reports whether the adapter runs on the CPU (Mesa's lavapipe,
// "llvmpipe", and the like): WebGPU then works, but many times slower
// than the CPU backend.
func (a AdapterInfo) Software() bool { return a.Type == "CPU" }

// ErrNoAdapter is wrapped by the error New returns when no usable
// adapter exists.
var ErrNoAdapter = errors.New("gpu: no usable WebGPU adapter")

// NoAdapterError says that no usable adapter was found and lists what was.
type NoAdapterError struct {
	Found []AdapterInfo // every adapter the instance listed, usable or not
	Why   string        // what was wrong with them
}

// Error says why no adapter was usable and lists the adapters found (or,
// when none was, what to install).
func (e *NoAdapterError) Error() string {
	var b strings.Builder
	b.WriteString("gpu: no usable WebGPU adapter: ")
	b.WriteString(e.Why)
	if len(e.Found) == 0 {
		b.WriteString("; none found (on Linux install a Vulkan driver and loader, e.g. Debian's mesa-vulkan-drivers and libvulkan1)")
	} else {
		b.WriteString("; found:")
		for _, a := range e.Found {
			b.WriteString(" [" + a.String() + "]")
		}
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrNoAdapter) true.
func (e *NoAdapterError) Unwrap() error { return ErrNoAdapter }

// Options selects and configures the adapter.
type Options struct {
	// Adapter, when not empty, picks the first adapter whose name contains
	// it (case-insensitive); otherwise the best one is picked: a native
	// backend (Vulkan, Metal, D3D12) before OpenGL, and a discrete GPU
	// before an integrated one before a software one.
	Adapter string
	// Index picks, among the adapters that rank best (the same kind of
	// device on the same kind of backend), the one at Index mod their
	// number, in the order the instance lists them: a data-parallel run
	// gives its local rank, so that N ranks on an N-GPU machine use every
	// GPU. 0 (or a negative Index) is the first.
	Index int
	// SubmitFLOPs caps the estimated floating-point work recorded into one
	// submission; 0 chooses: 2e8 on a software adapter, whose driver
	// misbehaves when one submission runs for seconds, and no cap on a
	// hardware one.
	SubmitFLOPs float64
	// Profile requests the TIMESTAMP_QUERY feature, where the adapter has
	// it, so that StartProfile can time each command. Off, the device is
	// opened without it.
	Profile bool

	// Limits chooses the device limits to request: "adapter" (the
	// adapter's own buffer, binding and workgroup limits) or "default"
	// (exactly the WebGPU specification's defaults, see SpecDefaults, as
	// on an adapter that offers no more). Empty defers to the environment
	// variable WGTRAIN_GPU_LIMITS (LimitsEnv), else "adapter".
	Limits string

	// Precision is the storage of activations and their gradients:
	// "f32" (or empty) or "f16", binary16 two to a word with f32
	// arithmetic in every shader (half.go). Any adapter can run it.
	Precision string
}

func init() {
	// wgpu-native logs "No config found!" and similar at warning level.
	wgpu.SetLogLevel(wgpu.LogLevel_Error)
}

func info(a *wgpu.Adapter) AdapterInfo {
	p := a.GetProperties()
	return AdapterInfo{Name: p.Name, Driver: p.DriverDescription, Backend: p.BackendType.String(), Type: typeName(p.AdapterType)}
}

func typeName(t wgpu.AdapterType) string {
	switch t {
	case wgpu.AdapterType_DiscreteGPU:
		return "discrete GPU"
	case wgpu.AdapterType_IntegratedGPU:
		return "integrated GPU"
	case wgpu.AdapterType_CPU:
		return "CPU"
	}
	return "unknown"
}

// rank orders adapters: lower is better.
func rank(p wgpu.AdapterProperties) int {
	r := 0
	switch p.BackendType {
	case wgpu.BackendType_Vulkan, wgpu.BackendType_Metal, wgpu.BackendType_D3D12:
	default:
		r += 10
	}
	switch p.AdapterType {
	case wgpu.AdapterType_DiscreteGPU:
	case wgpu.AdapterType_IntegratedGPU:
		r++
	case wgpu.AdapterType_CPU:
		r += 3
	default:
		r += 2
	}
	return r
}

// Adapters lists every adapter WebGPU finds on this machine.
func Adapters() []AdapterInfo {
	inst := wgpu.CreateInstance(nil)
	defer inst.Release()
	var out []AdapterInfo
	for _, a := range inst.EnumerateAdapters(nil) {
		out = append(out, info(a))
		a.Release()
	}
	return out
}

// device is an open WebGPU device with what the backend needs to know
// about it.
type device struct {
	inst    *wgpu.Instance
	adapter *wgpu.Adapter
	dev     *wgpu.Device
	queue   *wgpu.Queue
	info    AdapterInfo
	limits  wgpu.Limits
	set     string  // the limit set requested (Options.Limits)
	budget  float64 // estimated FLOPs per submission; 0 = no cap
	lost    atomic.Pointer[string]

	// timestampsAsked and timestamps: Options.Profile asked for timestamp
	// queries, and the device has them.
	timestampsAsked, timestamps bool
}

// pick returns the position in ps of the adapter to open, -1 when none
// fits: among those whose name contains name (case-insensitive; all when
// name is empty), the ones that rank best, and of those the one at index
// mod their number (0 for a negative index).
func pick(ps []wgpu.AdapterProperties, name string, index int) int {
	var tied []int
	bestRank := 1 << 30
	for i, p := range ps {
		if name != "" && !strings.Contains(strings.ToLower(p.Name), strings.ToLower(name)) {
			continue
		}
		if r := rank(p); r < bestRank {
			bestRank, tied = r, append(tied[:0], i)
		} else if r == bestRank {
			tied = append(tied, i)
		}
	}
	if len(tied) == 0 {
		return -1
	}
	return tied[max(index, 0)%len(tied)]
}

// open picks an adapter and requests a device with the limits of
// o.Limits (limits.go): by default the adapter's own limits for buffer
// sizes and workgroups, which are larger than WebGPU's defaults on every
// real GPU.
func open(o Options) (*device, error) {
	set, err := limitSet(o)
	if err != nil {
		return nil, err
	}
	inst := wgpu.CreateInstance(nil)
	all := inst.EnumerateAdapters(nil)
	var found []AdapterInfo
	var props []wgpu.AdapterProperties
	for _, a := range all {
		props = append(props, a.GetProperties())
		found = append(found, info(a))
	}
	var best *wgpu.Adapter
	if i := pick(props, o.Adapter, o.Index); i >= 0 {
		best = all[i]
	}
	for _, a := range all {
		if a != best {
			a.Release()
		}
	}
	if best == nil {
		inst.Release()
		why := "the instance listed no adapter"
		if o.Adapter != "" && len(found) > 0 {
			why = fmt.Sprintf("no adapter name contains %q", o.Adapter)
		}
		return nil, &NoAdapterError{Found: found, Why: why}
	}
	d := &device{inst: inst, adapter: best, info: info(best), set: set}
	req := requestLimits(set, best.GetLimits().Limits)
	// No DeviceLostCallback: go-webgpu v0.17.1 passes a Go pointer inside
	// a C struct for it, which the cgo checks reject. A lost device shows
	// instead as a failed read-back (BufferMapAsyncStatus_DeviceLost) and
	// is then reported by every later call.
	var features []wgpu.FeatureName
	d.timestampsAsked = o.Profile
	if o.Profile && best.HasFeature(wgpu.FeatureName_TimestampQuery) {
		features = append(features, wgpu.FeatureName_TimestampQuery)
	}
	dev, err := best.RequestDevice(&wgpu.DeviceDescriptor{
		Label:            "wgtrain",
		RequiredFeatures: features,
		RequiredLimits:   &wgpu.RequiredLimits{Limits: req},
	})
	if err != nil {
		best.Release()
		inst.Release()
		return nil, fmt.Errorf("gpu: adapter %s: request device with the %s limits: %w", d.info, set, err)
	}
	d.dev, d.queue = dev, dev.GetQueue()
	d.timestamps = len(features) > 0
	d.limits = dev.GetLimits().Limits
	d.budget = o.SubmitFLOPs
	if d.budget == 0 && best.GetProperties().AdapterType == wgpu.AdapterType_CPU {
		d.budget = 2e8
	}
	if v := os.Getenv("WGTRAIN_SUBMIT_FLOPS"); v != "" {
		fmt.Sscan(v, &d.budget)
	}
	return d, nil
}

// lostErr reports device loss, naming the operation that found it.
func (d *device) lostErr(op string) error {
	if s := d.lost.Load(); s != nil {
		return fmt.Errorf("gpu: %s: %s (adapter %s)", op, *s, d.info)
	}
	return nil
}

func (d *device) close() {
	d.queue.Release()
	d.dev.Release()
	d.adapter.Release()
	d.inst.Release()
}
