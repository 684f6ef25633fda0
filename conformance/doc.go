// Package conformance is the one test suite every wgtrain compute backend
// passes: the CPU backend (ops.NewCPU, TestCPU here) and the WebGPU
// backend (package gpu, TestWebGPU here, on lavapipe where no GPU is
// present). It is written once, as exported functions that take a
// backend, the way gonum's blas/testblas checks every BLAS implementation.
//
// # Where things are
//
// Each operation has one file: conv2d.go, linear.go, batchnorm.go,
// maxpool.go, relu.go, dropout.go, loss.go (cross-entropy, the sigmoid
// focal loss and the weighted sum), adam.go, argmax.go, gather.go (batches
// from a byte image store, against the datasets loader), elementwise.go
// (memory, fill, copy, add and scale, on small shapes and on a large
// tensor) and gemm.go (the matrix products that linear layers and
// convolutions are made of). Each holds the operation's
// float64 reference, its cases and checks (the exported family function,
// such as Conv2D), and its check against PyTorch (goldenConv, ...); its
// _test.go file holds the broken backends that the family must catch.
// The rest is the suite's machinery: suite.go (TB, Families, RunAll),
// tolerance.go (the comparison rule), env.go (one case's backend, tensors
// and random inputs), finitediff.go (the gradient check), errors.go (bad
// arguments), golden.go (the PyTorch fixtures) and golden_resnet9.go
// (whole resnet9 training steps against PyTorch).
//
// # Running it on a backend
//
// A backend package adds one test:
//
//	func TestConformance(t *testing.T) { conformance.RunAll(t, mybackend.New()) }
//
// or runs one operation family at a time (conformance.Conv2D(t, b),
// conformance.BatchNorm(t, b), ...), which is handy while a backend is being
// written. Every check is a subtest named after the operation and its shapes,
// so `go test -run 'Conformance/Conv2D/backward/n2_c3'` selects cases. The
// functions take a TB, the part of *testing.T the suite uses; *testing.T
// satisfies it, and so does the recorder of this package's own self-test
// (see TB).
//
// # What is checked
//
// Forward operations are compared element by element with plain float64
// implementations written here (naive loops that follow the definitions
// of docs/SPEC.md §2 and §3, nothing clever) on fresh random inputs from a
// seeded math/rand/v2 generator, over many shapes: batch 1, odd channel
// counts, extents that are not multiples of 4 or 8, kernels 1, 3, 5 and
// non-square, strides 1 to 3, padding 0 to 2, max pool windows that drop
// trailing rows and columns, large logits, and one tensor of about 4.5
// million elements, more than a GPU backend can reach with a
// one-dimensional dispatch of 65,535 workgroups of 64 threads. GEMM adds
// the linear layers and convolutions at shapes that stress a tiled matrix
// product: extents on either side of the tile sizes, reductions that are
// not a multiple of the slice depth, tall-thin and short-wide products,
// and reductions of up to 2,050 terms into a single tile (split-K).
//
// Every backward operation is checked twice: against the closed-form
// gradient in float64 (with the forward tolerance) and against central finite
// differences of the backend's own float32 forward (GEMM, which repeats the
// checks of Linear and Conv2D at other shapes, runs only the first). For a scalar
// L = sum_i r_i*y_i, with r a fixed random tensor and the sum taken in
// float64, the backward operation fed dy = r must agree with
// (L(x+e) - L(x-e)) / (x+e - x-e) for each checked input element, where the
// difference of the perturbed values is taken after rounding them to
// float32. Tensors of at most 128 elements are checked in full; larger ones
// at 128 random elements (always including the first and the last) plus one
// directional derivative along a random unit direction over all elements, so
// that a wrong gradient anywhere moves the result. Inputs are kept away from
// kinks: ReLU inputs at least 0.05 from zero, max pool windows whose maximum
// beats the runner-up by at least 0.05, both more than twice the step.
//
// Errors checks that bad arguments return an *ops.Error and never panic.
//
// # Tolerances
//
// One rule, two stated tolerances: a value x passes against y when
//
//	|x - y| <= max(RTol*|x + y|, ATol)
//
// and NaN never passes (equal infinities do). See Close.
//
// ReferenceTol (rtol 1e-5, atol 1e-5) is used against the float64
// reference, forward and closed-form backward. float32 rounds at 6e-8
// relative; the sums in these operations have at most a few hundred terms
// and the inputs are scaled as in the network (weights uniform in
// ±1/sqrt(fan_in), activations O(1)), so a correct float32 backend, in any
// summation order, stays within a few 1e-6 and a wrong index, a dropped
// term or a missing factor misses by orders of magnitude. GEMM's longer
// sums over the batch draw the output gradient in ±256/terms instead of
// ±1, so that they round no worse than a sum of 256 terms (with ±1, the
// CPU backend's 2,050-term weight gradient reaches 1.09 of ReferenceTol).
//
// FiniteDiffTol (rtol 1e-2, atol 1e-3) is used against finite differences
// with step 1e-2 for layers and 5e-2 for losses, on O(1) inputs. Their
// error has two sources: truncation, about step^2/6 times the third
// derivative, well below 1e-4 for these smooth functions (and zero for the
// linear operations); and the float32 rounding of the outputs that a
// perturbation touches, divided by twice the step: for a layer, a few
// hundred outputs of size O(1), each rounding at 6e-8, give about 1e-4; for
// a loss, a few ulps of a scalar up to ~30 give about 2e-4 at the larger
// step. So 1e-3 absolute and 2% relative leave a margin of five or more,
// while the mistakes a gradient typically has (a missing 1/N or 1/(1-p), a
// wrong sign, a dropped term, a transposed index) are off by 10% or more.
//
// Measured margins (x86-64 with AVX-512, lavapipe for WebGPU): the CPU
// backend's worst element reaches 0.20 of ReferenceTol (in Conv2D), 0.23
// in GEMM's 2,050-term weight gradient, and 0.14 of FiniteDiffTol (in
// Conv2D); the WebGPU backend's worst reaches 0.12 of ReferenceTol (in
// BatchNorm). Plain float32 versions written, when the suite was, for the
// purpose (one sequential float32 sum per output of Conv2D and
// Linear, a one-pass float32 variance E[x^2]-E[x]^2 in BatchNormTrain,
// float32 sums and max+log(sum) in CrossEntropy and SigmoidFocal) reach
// 0.55 of ReferenceTol and 0.2 of FiniteDiffTol: the suite does not demand
// float64 accumulation.
//
// Any change to these values must come with a written reason next to it.
//
// # Against PyTorch
//
// Golden runs every operation on the cases PyTorch computed in
// testdata/golden_ops.safetensors (written by scripts/gen_golden.py with
// Debian's python3-torch, embedded so the suite needs no Python), under
// GoldenTol (rtol 1e-4, atol 1e-5: PyTorch sums in other orders). It also
// checks the dropout hash itself against the script's numpy version.
//
// ResNet9Golden trains the tutorial's resnet9 (width 16, batch 4, dropout
// 0.2 with wgtrain's mask) from PyTorch's initialization for two Adam steps,
// with cross-entropy and with 0.5*CE + 0.5*focal, and compares losses,
// logits, step-1 gradients, final weights, running statistics, batch
// counters and evaluation logits; its rules and their reasons are at NetTol.
// Measured on the CPU backend: losses agree to 2e-6 relative, step-1
// gradients to 3.2e-6 of each tensor's largest, and every final weight
// and running statistic within max(1e-4*|x+y|, 1e-6), half of NetTol.
package conformance
