package gpu

import (
	"fmt"
	"os"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// LimitsEnv is the environment variable that chooses the limit set
// ("adapter" or "default", see Options.Limits) when Options.Limits is
// empty; tests and the command's CI runs set it.
const LimitsEnv = "WGTRAIN_GPU_LIMITS"

// The limit sets Options.Limits names.
const (
	// LimitsAdapter requests the adapter's own buffer, binding and
	// workgroup limits (at most 10 storage buffers per stage).
	LimitsAdapter = "adapter"
	// LimitsDefault requests exactly the WebGPU specification's default
	// limits, which every conformant adapter supports (SpecDefaults).
	LimitsDefault = "default"
)

// Limits are the device limits that the backend's kernels and buffers
// depend on.
type Limits struct {
	Set                     string // the limit set requested: "adapter" or "default"
	BindGroups              uint32
	StorageBuffersPerStage  uint32
	WorkgroupStorage        uint32 // bytes of var<workgroup> per workgroup
	InvocationsPerWorkgroup uint32
	WorkgroupSizeX          uint32
	WorkgroupSizeY          uint32
	WorkgroupSizeZ          uint32
	WorkgroupsPerDimension  uint32
	StorageBindingSize      uint64 // bytes of one storage buffer binding
	BufferSize              uint64 // bytes of one buffer
	StorageOffsetAlignment  uint32 // bytes a storage binding's offset is a multiple of
}

// SpecDefaults returns the WebGPU specification's default limits: what
// Options{Limits: "default"} requests and the device then reports.
func SpecDefaults() Limits { return limitsOf(LimitsDefault, specLimits()) }

// Limits reports the limits of the device the backend runs on (what it
// requested and WebGPU granted).
func (g *Backend) Limits() Limits { return limitsOf(g.d.set, g.d.limits) }

func limitsOf(set string, l wgpu.Limits) Limits {
	return Limits{
		Set:                     set,
		BindGroups:              l.MaxBindGroups,
		StorageBuffersPerStage:  l.MaxStorageBuffersPerShaderStage,
		WorkgroupStorage:        l.MaxComputeWorkgroupStorageSize,
		InvocationsPerWorkgroup: l.MaxComputeInvocationsPerWorkgroup,
		WorkgroupSizeX:          l.MaxComputeWorkgroupSizeX,
		WorkgroupSizeY:          l.MaxComputeWorkgroupSizeY,
		WorkgroupSizeZ:          l.MaxComputeWorkgroupSizeZ,
		WorkgroupsPerDimension:  l.MaxComputeWorkgroupsPerDimension,
		StorageBindingSize:      l.MaxStorageBufferBindingSize,
		BufferSize:              l.MaxBufferSize,
		StorageOffsetAlignment:  l.MinStorageBufferOffsetAlignment,
	}
}

// specLimits spells out the WebGPU specification's default limits (§3.6.2
// "Limits"). go-webgpu v0.17.1's wgpu.DefaultLimits is not this: it leaves
// every field undefined, for wgpu-native to fill in.
func specLimits() wgpu.Limits {
	return wgpu.Limits{
		MaxTextureDimension1D:                     8192,
		MaxTextureDimension2D:                     8192,
		MaxTextureDimension3D:                     2048,
		MaxTextureArrayLayers:                     256,
		MaxBindGroups:                             4,
		MaxBindingsPerBindGroup:                   1000,
		MaxDynamicUniformBuffersPerPipelineLayout: 8,
		MaxDynamicStorageBuffersPerPipelineLayout: 4,
		MaxSampledTexturesPerShaderStage:          16,
		MaxSamplersPerShaderStage:                 16,
		MaxStorageBuffersPerShaderStage:           8,
		MaxStorageTexturesPerShaderStage:          4,
		MaxUniformBuffersPerShaderStage:           12,
		MaxUniformBufferBindingSize:               64 << 10,
		MaxStorageBufferBindingSize:               128 << 20,
		MinUniformBufferOffsetAlignment:           256,
		MinStorageBufferOffsetAlignment:           256,
		MaxVertexBuffers:                          8,
		MaxBufferSize:                             256 << 20,
		MaxVertexAttributes:                       16,
		MaxVertexBufferArrayStride:                2048,
		MaxInterStageShaderComponents:             60,
		MaxInterStageShaderVariables:              16,
		MaxColorAttachments:                       8,
		MaxColorAttachmentBytesPerSample:          32,
		MaxComputeWorkgroupStorageSize:            16384,
		MaxComputeInvocationsPerWorkgroup:         256,
		MaxComputeWorkgroupSizeX:                  256,
		MaxComputeWorkgroupSizeY:                  256,
		MaxComputeWorkgroupSizeZ:                  64,
		MaxComputeWorkgroupsPerDimension:          65535,
		MaxPushConstantSize:                       0,
	}
}

// CheckLimitSet reports a limit set name other than "adapter" and
// "default"; the empty string is valid (it defers to LimitsEnv).
func CheckLimitSet(name string) error {
	switch name {
	case "", LimitsAdapter, LimitsDefault:
		return nil
	}
	return fmt.Errorf("gpu: unknown limit set %q (want adapter or default)", name)
}

// limitSet resolves Options.Limits: the option, else LimitsEnv (when set
// and not empty), else "adapter".
func limitSet(o Options) (string, error) {
	set := o.Limits
	if set == "" {
		v := os.Getenv(LimitsEnv)
		if v != "" && v != LimitsAdapter && v != LimitsDefault {
			return "", fmt.Errorf("gpu: %s=%q: want adapter or default", LimitsEnv, v)
		}
		set = v
	}
	if err := CheckLimitSet(set); err != nil {
		return "", err
	}
	if set == "" {
		set = LimitsAdapter
	}
	return set, nil
}

// requestLimits returns the limits to request of an adapter that
// supports sup under limit set set.
func requestLimits(set string, sup wgpu.Limits) wgpu.Limits {
	if set == LimitsDefault {
		return specLimits()
	}
	req := wgpu.DefaultLimits()
	req.MaxBufferSize = sup.MaxBufferSize
	req.MaxStorageBufferBindingSize = sup.MaxStorageBufferBindingSize
	req.MaxStorageBuffersPerShaderStage = min(sup.MaxStorageBuffersPerShaderStage, 10)
	req.MaxComputeWorkgroupStorageSize = sup.MaxComputeWorkgroupStorageSize
	req.MaxComputeInvocationsPerWorkgroup = sup.MaxComputeInvocationsPerWorkgroup
	req.MaxComputeWorkgroupSizeX = sup.MaxComputeWorkgroupSizeX
	req.MaxComputeWorkgroupSizeY = sup.MaxComputeWorkgroupSizeY
	req.MaxComputeWorkgroupsPerDimension = sup.MaxComputeWorkgroupsPerDimension
	return req
}
