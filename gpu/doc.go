// Package gpu is wgtrain's WebGPU backend: an ops.Backend whose every
// operation is a WGSL compute shader (package shaders) run through
// go-webgpu, on any Vulkan, Metal or DX12 adapter.
//
// Operations are recorded, not run: each call appends a dispatch to the
// backend's open command encoder, and the work is submitted to the queue
// only when the host needs a result (Download, Sync, Flush) or a
// submission has grown past its budget. A whole training step is
// therefore one submission, and the parameters, optimizer state and
// activations stay on the GPU. DownloadAsync starts a read-back that
// completes while later work is recorded, so reading a step's loss does
// not stall the next step.
//
// Each pipeline is compiled once per process and cached; buffers are
// pooled by size; per-dispatch parameters live in one uniform arena
// written once per submission. Reductions are tree reductions in
// workgroup memory (WGSL has no float atomics), so results are
// deterministic run to run.
package gpu
