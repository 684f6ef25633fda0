package gpu

import (
	"slices"

	"github.com/wgtrain/wgtrain/ops"
)

// bnChunk is the number of values of one channel that one workgroup of a
// batch norm reduction takes (16 per invocation); a channel with more
// values is split into chunks whose partial results a second dispatch
// combines, so that large batches keep many workgroups busy.
const bnChunk = 16 * 256

// bnChunkParams is the parameter block of include/batchnorm_chunks.wgsl
// (batchnorm_stats.wgsl and batchnorm_grad.wgsl): C channels of HW values
// per plane and Count per channel, reduced in Parts chunks of Chunk
// values; batchnorm_stats also takes the spec's Eps and Momentum.
type bnChunkParams struct {
	C, HW, Count, Chunk, Parts uint32
	Eps, Momentum              float32
}

// bnApplyParams is the parameter block of batchnorm_apply.wgsl: C
// channels of HW values per plane; eval adds Eps to the running variance.
type bnApplyParams struct {
	flat
	C, HW uint32
	Eps   float32
}

// bnDxParams is the parameter block of batchnorm_dx.wgsl: C channels of
// HW values per plane, Count values per channel.
type bnDxParams struct {
	flat
	C, HW uint32
	Count float32
}

// bnLayout returns how the per-channel reductions over x [N,C,H,W] split
// each channel: chunk values per workgroup, parts workgroups per channel.
func (g *Backend) bnLayout(x *ops.Tensor) bnChunkParams {
	s := x.Shape()
	c, hw := s[1], s[2]*s[3]
	count := s[0] * hw
	chunk := bnChunk
	maxParts := g.maxGroups()
	parts := (count + chunk - 1) / chunk
	if parts > maxParts {
		chunk = (count + maxParts - 1) / maxParts
		parts = (count + chunk - 1) / chunk
	}
	return bnChunkParams{C: uint32(c), HW: uint32(hw), Count: uint32(count), Chunk: uint32(chunk), Parts: uint32(parts)}
}

// bnReduce records one of batch norm's two-pass per-channel reductions,
// shader key (batchnorm_stats or batchnorm_grad): key:partial, one
// workgroup per chunk and channel, reads inputs and writes two values per
// chunk into a scratch buffer; key:finish, one workgroup per channel,
// reads inputs and the scratch and writes results.
func (g *Backend) bnReduce(op, key string, l *bnChunkParams, partialFlops, finishFlops float64, inputs, results []binding) error {
	c, parts := int(l.C), int(l.Parts)
	part, err := g.get(uint64(8 * c * parts))
	if err != nil {
		return opErr(op, "scratch for %d partial sums: %v", 2*c*parts, err)
	}
	defer g.put(part)
	partial := append(slices.Clip(inputs), out(part, 2*c*parts))
	if err := g.dispatch(op, key+":partial", l, l.Parts, l.C, partialFlops, partial...); err != nil {
		return err
	}
	finish := append(append(slices.Clip(inputs), in(part, 2*c*parts)), results...)
	return g.dispatch(op, key+":finish", l, l.C, 1, finishFlops, finish...)
}

// BatchNormTrain normalizes with batch statistics (biased variance),
// saves mean and 1/sqrt(var+eps), and updates the running statistics with
// the unbiased variance, as PyTorch's BatchNorm2d does in training mode.
// The statistics come from two reduction dispatches (chunk mean and
// squared deviations, then a fixed-order pairwise merge per channel); a
// third dispatch writes y.
func (g *Backend) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	const op = "batchnorm_train"
	checked := ops.CheckBatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
	bs, done, err := g.begin(op, checked, y, mean, invStd, x, gamma, beta, runMean, runVar)
	if err != nil {
		return err
	}
	defer done()
	by, bmean, binv, bx, bgamma, bbeta, brm, brv := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	l := g.bnLayout(x)
	l.Eps, l.Momentum = s.Eps, s.Momentum
	c, n := int(l.C), x.Numel()
	if err := g.bnReduce(op, "batchnorm_stats", &l, 4*float64(n), 8*float64(c*int(l.Parts)),
		[]binding{in(bx, n)}, []binding{out(bmean, c), out(binv, c), in(brm, c), in(brv, c)}); err != nil {
		return err
	}
	return g.dispatchFlat(op, "batchnorm_apply:train", n, 256, 3*float64(n), &bnApplyParams{C: l.C, HW: l.HW},
		out(by, n), in(bx, n), in(bmean, c), in(binv, c), in(bgamma, c), in(bbeta, c))
}

// BatchNormEval normalizes with the running statistics.
func (g *Backend) BatchNormEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	const op = "batchnorm_eval"
	checked := ops.CheckBatchNormEval(y, x, gamma, beta, runMean, runVar, s)
	bs, done, err := g.begin(op, checked, y, x, runMean, runVar, gamma, beta)
	if err != nil {
		return err
	}
	defer done()
	xs := x.Shape()
	c, hw, n := xs[1], xs[2]*xs[3], x.Numel()
	return g.dispatchFlat(op, "batchnorm_apply:eval", n, 256, 3*float64(n), &bnApplyParams{C: uint32(c), HW: uint32(hw), Eps: s.Eps},
		out(bs[0], n), in(bs[1], n), in(bs[2], c), in(bs[3], c), in(bs[4], c), in(bs[5], c))
}

// BatchNormBackward writes the training-mode gradients from the saved
// mean and invStd: dgamma = sum(dy*xhat) and dbeta = sum(dy) by two
// reduction dispatches (chunk tree sums, then a fixed-order sum per
// channel), then dx = gamma*invStd/m * (m*dy - dbeta - xhat*dgamma), with
// m the number of values per channel.
func (g *Backend) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *ops.Tensor) error {
	const op = "batchnorm_backward"
	checked := ops.CheckBatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma)
	bs, done, err := g.begin(op, checked, dx, dgamma, dbeta, x, dy, mean, invStd, gamma)
	if err != nil {
		return err
	}
	defer done()
	bdx, bdg, bdb, bx, bdy, bmean, binv, bgamma := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	l := g.bnLayout(x)
	c, n := int(l.C), x.Numel()
	if err := g.bnReduce(op, "batchnorm_grad", &l, 5*float64(n), 2*float64(c*int(l.Parts)),
		[]binding{in(bx, n), in(bdy, n), in(bmean, c), in(binv, c)}, []binding{out(bdg, c), out(bdb, c)}); err != nil {
		return err
	}
	return g.dispatchFlat(op, "batchnorm_dx", n, 256, 8*float64(n), &bnDxParams{C: l.C, HW: l.HW, Count: float32(l.Count)},
		out(bdx, n), in(bx, n), in(bdy, n), in(bmean, c), in(binv, c), in(bgamma, c), in(bdg, c), in(bdb, c))
}
