package gpu

import (
	"testing"

	"github.com/rajveermalviya/go-webgpu/wgpu"
)

// A data-parallel run's rank r opens adapter (r mod the number of
// equally good adapters): four GPUs of one workstation serve four ranks,
// and a software or OpenGL adapter beside them is never among them.
func TestPickByIndex(t *testing.T) {
	gpu := func(name string) wgpu.AdapterProperties {
		return wgpu.AdapterProperties{Name: name, BackendType: wgpu.BackendType_Vulkan, AdapterType: wgpu.AdapterType_DiscreteGPU}
	}
	ps := []wgpu.AdapterProperties{
		{Name: "llvmpipe", BackendType: wgpu.BackendType_Vulkan, AdapterType: wgpu.AdapterType_CPU},
		gpu("NVIDIA H200 #0"),
		{Name: "NVIDIA H200 #0 (GL)", BackendType: wgpu.BackendType_OpenGL, AdapterType: wgpu.AdapterType_DiscreteGPU},
		gpu("NVIDIA H200 #1"),
		gpu("NVIDIA H200 #2"),
	}
	for _, c := range []struct {
		name  string
		index int
		want  int
	}{
		{"", 0, 1}, {"", 1, 3}, {"", 2, 4}, {"", 3, 1}, {"", 7, 3}, {"", -1, 1},
		{"llvm", 5, 0}, {"#2", 0, 4}, {"h200 #1", 3, 3}, {"AMD", 0, -1},
	} {
		if got := pick(ps, c.name, c.index); got != c.want {
			t.Errorf("pick(name %q, index %d) = %d, want %d", c.name, c.index, got, c.want)
		}
	}
	if got := pick(nil, "", 0); got != -1 {
		t.Errorf("pick with no adapters = %d, want -1", got)
	}
}
