package ops

// The AVX2 kernels of ReLU and its gradient (cpu_relu_amd64.s) and their
// dispatch. Each handles a prefix of its slices whose length is a
// multiple of its vector width and leaves the rest to the Go loops of
// reluF32 and reluBackF32 (cpu_relu.go); both give the same bits.

// reluAVX2 writes out[i] = relu1(in[i]) for i < len(out) &^ 7.
//
//go:noescape
func reluAVX2(out, in []float32)

// reluBackAVX2 writes g[i] = reluBack1(y[i], up[i]) for i < len(g) &^ 7.
//
//go:noescape
func reluBackAVX2(g, y, up []float32)

// reluVec applies ReLU to the longest vector-sized prefix of out it can
// and returns its length.
func reluVec(out, in []float32) int {
	if !simdElem() {
		return 0
	}
	n := len(out) &^ 7
	reluAVX2(out[:n], in[:n])
	return n
}

// reluBackVec writes the ReLU gradient of the longest vector-sized
// prefix of g it can and returns its length.
func reluBackVec(g, y, up []float32) int {
	if !simdElem() {
		return 0
	}
	n := len(g) &^ 7
	reluBackAVX2(g[:n], y[:n], up[:n])
	return n
}
