// Package gpu is wgtrain's WebGPU backend: an ops.Backend whose every
// operation is a WGSL compute shader (package shaders) run through
// go-webgpu, on any Vulkan, Metal or DX12 adapter. Select picks it or the
// CPU backend for the --backend flag.
//
// Operations are recorded, not run: each call appends a dispatch to the
// backend's open command encoder, and the work is submitted to the queue
// only when the host needs a result (Download, Sync, Flush) or a
// submission has grown past its budget. A whole training step is
// therefore one submission, and the parameters, optimizer state and
// activations stay on the GPU. DownloadAsync starts a read-back that
// completes while later work is recorded and submitted: each read-back
// remembers the index of the submission holding its copy, and waiting
// for it polls the device for that submission only (Device.Poll with the
// index Queue.Submit returned), never for work submitted after it. A loop
// that submits step N+1 before it reads step N's loss therefore keeps the
// GPU busy while the host waits, with at most two steps in flight. Only
// Sync and Close drain the queue; the per-submission cap of software
// adapters waits for the submission before the one it makes. SyncCounts
// counts submissions, read-backs and waits, for the tests that prove it.
//
// Each pipeline is compiled once per process and cached; buffers are
// pooled by size; per-dispatch parameters live in one uniform arena
// written once per submission. Reductions are tree reductions in
// workgroup memory (WGSL has no float atomics), so results are
// deterministic run to run.
//
// # Files
//
// One file per operation, named as its shaders are: conv2d.go, linear.go
// and gemm.go (the tiled-product planner both use), batchnorm.go,
// maxpool.go, relu.go, dropout.go, loss.go (cross-entropy, sigmoid focal,
// weighted sum, and the record of bad labels), adam.go, sgd.go, argmax.go, gather.go (batches from
// a data set held as bytes) and
// elementwise.go (fill, copy, add, scale). Every operation opens the same
// way, with Backend.begin: its argument checks, then the lock, then its
// tensors' buffers. The infrastructure: backend.go (the Backend, its
// tensors, Flush and Sync), buffer.go (the pool of storage and staging
// buffers), transfer.go (uploads, downloads and the Pending read-back),
// sync.go (the host's waits for the GPU, and SyncCounts), callback.go
// with callback_c.go and callback.h (the map and work-done callbacks,
// whose data is a number, not Go memory that wgpu-native would hold),
// device.go (adapters and the device), pipeline.go (compiled shaders and
// their bind group layouts), limits.go (the limit sets a device requests:
// the adapter's own, or the WebGPU spec's defaults), split.go (tensors
// larger than one storage binding, bound in slices of images or elements
// by the operations over them), params.go (the Go struct of every shader's
// parameter block and the check that it matches the shader's struct P),
// record.go (the command recorder: dispatches, the parameter arena,
// submissions), select.go (Select), half.go (binary16 storage of
// activations for Options.Precision "f16": AllocAct, and the shader
// variants that read and write it), and profile.go with
// profile_record.go (StartProfile, ProfileMark, StopProfile: each
// command's FLOPs, bytes and timestamps, by kernel family, for wgtrain
// bench --profile; the recorder calls them only while a profile runs).
//
// A dispatch names its entry point by a key, "module" for entry point
// main or "module:entry" (for example "conv2d:backward_filter" runs fn
// backward_filter of shaders/conv2d.wgsl), and passes a pointer to the
// module's parameter block struct.
package gpu
