// Package ops defines what every wgtrain compute backend shares, and
// holds the CPU reference backend:
//
//   - Backend (backend.go), the interface every backend implements, and
//     AsyncBackend with ReadAsync and Submit (async.go) for backends that
//     queue work;
//   - Tensor, Shape and DType (tensor.go), the handle to storage a backend
//     owns, and Reshape for views;
//   - for each operation, in <op>.go (conv2d, linear, batchnorm, maxpool,
//     dropout, loss, adam, argmax, elementwise), its parameters (ConvSpec,
//     BatchNormSpec, DropoutSpec and its counter-based mask, CrossEntropySpec, FocalSpec,
//     AdamSpec and AdamConsts) and the Check functions with which every
//     backend validates its arguments before it computes; they return an
//     *Error (errors.go) that names the operation, as "conv2d" or
//     "batchnorm_backward";
//   - GatherBackend (gather.go), the optional operation that builds a
//     batch from a data set held on the device as bytes, with PackBytes
//     and GatherDraw for its inputs;
//   - ActBackend (precision.go), the optional activation storage narrower
//     than float32 (the WebGPU backend's --precision f16), with AllocAct
//     and HalfStorage, which fall back to float32 on other backends;
//   - CPU (NewCPU), the pure-Go reference backend that all other backends
//     are checked against, in cpu.go and cpu_<op>.go, with assembly fast
//     paths on amd64 (cpu.go lists them).
//
// Operations use destination passing: the caller allocates every output
// with Backend.Alloc and the operation writes it. That keeps a training step
// free of allocations once its tensors exist, and lets a GPU backend record
// a whole step into one command stream. Gradients are written, never
// accumulated, by the backward operations; callers that need a sum use Add.
package ops
