package gpu

import "github.com/wgtrain/wgtrain/ops"

// bnChunk is the number of values of one channel that one workgroup of a
// batch norm pass takes (16 per invocation); a channel with more values
// is split into chunks, so that large batches keep many workgroups busy.
const bnChunk = 16 * 256

// bnChunkParams is the parameter block of include/batchnorm_chunks.wgsl
// (every batchnorm_*.wgsl but batchnorm_apply.wgsl): C channels of HW
// values per plane and Total per channel, taken in Parts chunks of Chunk
// values; a dispatch over a slice of the batch binds Count values per
// channel from chunk J0 on. The kernels fused with max pooling take the
// plane's width W and the window's K; the forward takes the spec's Eps
// and Momentum.
type bnChunkParams struct {
	C, HW, Count, Chunk, Parts, J0, Total uint32
	W, K                                  uint32
	Eps, Momentum                         float32
}

// bnApplyParams is the parameter block of batchnorm_apply.wgsl (the
// evaluation forward): C channels of HW values per plane, W wide, max
// pooling's window K (eval_relu_pool only), and the Eps added to the
// running variance.
type bnApplyParams struct {
	flat
	C, HW, W, K uint32
	Eps         float32
}

// bnLayout returns how batch norm's passes over x [N,C,H,W] split each
// channel: chunk values per workgroup, parts workgroups per channel.
// When the batch runs in slices of per < N images (split.go), every
// chunk lies within one slice: chunk is hw times a divisor of per.
func (g *Backend) bnLayout(x *ops.Tensor, per int) bnChunkParams {
	s := x.Shape()
	c, hw := s[1], s[2]*s[3]
	count := s[0] * hw
	chunk := bnChunk
	maxParts := g.maxGroups()
	if per < s[0] {
		// The most images per chunk that keeps chunks near bnChunk
		// values, and a slice's chunks within one dispatch.
		d := 1
		for q := 1; q <= per; q++ {
			if per%q != 0 {
				continue
			}
			if hw*q > bnChunk && per/d <= maxParts {
				break
			}
			d = q
		}
		chunk = hw * d
	} else if parts := (count + chunk - 1) / chunk; parts > maxParts {
		chunk = (count + maxParts - 1) / maxParts
	}
	parts := (count + chunk - 1) / chunk
	return bnChunkParams{C: uint32(c), HW: uint32(hw), Count: uint32(count), Chunk: uint32(chunk), Parts: uint32(parts), Total: uint32(count)}
}

// bnScratch returns the float32s of the scratch buffer of batch norm's
// two passes: two per chunk and channel, and four per channel that the
// first pass stages for the second (include/batchnorm_chunks.wgsl).
func bnScratch(l *bnChunkParams) int { return 2*int(l.C)*int(l.Parts) + 4*int(l.C) }

// bnPasses records batch norm's two passes (batchnorm_stats then
// batchnorm_train:apply or apply_relu, or batchnorm_grad:partial or
// batchnorm_relu_grad:partial then batchnorm_dx), each once per slice of
// per images (the whole batch n when it fits one binding), one workgroup
// per chunk and channel: the first writes two values per chunk and
// stages per-channel values into a scratch buffer, the second reads all
// of it, so every slice's first pass runs before any second pass.
// bufs(pass, part, b0, nb) binds pass 0 or 1 for images [b0, b0+nb), part
// being the scratch.
func (g *Backend) bnPasses(op string, keys [2]string, l *bnChunkParams, n, per int, flops [2]float64, bufs func(pass int, part binding, b0, nb int) []binding) error {
	size := bnScratch(l)
	part, err := g.get(uint64(4 * size))
	if err != nil {
		return opErr(op, "scratch for %d partial sums: %v", size, err)
	}
	defer g.put(part)
	for pass, key := range keys {
		pb := in(part, size)
		if pass == 0 {
			pb = out(part, size)
		}
		for b0 := 0; b0 < n; b0 += per {
			nb := min(per, n-b0)
			sl := *l
			sl.Count = uint32(nb) * l.HW
			sl.J0 = uint32(b0) * l.HW / l.Chunk
			wx := (sl.Count + sl.Chunk - 1) / sl.Chunk
			if err := g.dispatch(op, key, &sl, wx, l.C, flops[pass]*float64(nb)/float64(n), bufs(pass, pb, b0, nb)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// BatchNormTrain normalizes with batch statistics (biased variance),
// saves mean and 1/sqrt(var+eps), and updates the running statistics with
// the unbiased variance, as PyTorch's BatchNorm2d does in training mode.
// Two dispatches: chunk means and squared deviations
// (batchnorm_stats), then batchnorm_train, whose every workgroup merges
// its channel's chunks in one fixed pairwise order and normalizes its
// chunk.
func (g *Backend) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormTrain("batchnorm_train", "batchnorm_train:apply", y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// batchNormTrain is BatchNormTrain with apply, the entry point of the
// second pass (batchnorm_train:apply, or apply_relu for
// BatchNormReLUTrain).
func (g *Backend) batchNormTrain(op, apply string, y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	checked := ops.CheckBatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
	bs, done, err := g.begin(op, checked, y, mean, invStd, x, gamma, beta, runMean, runVar)
	if err != nil {
		return err
	}
	defer done()
	by, bmean, binv, bx, bgamma, bbeta, brm, brv := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	batch, n := x.Shape()[0], x.Numel()
	item := n / batch
	per, err := g.batchChunk(op, batch, item)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	l.Eps, l.Momentum = s.Eps, s.Momentum
	c := int(l.C)
	merge := 8 * float64(c*int(l.Parts)) * float64(l.Parts)
	return g.bnPasses(op, [2]string{"batchnorm_stats:partial", apply}, &l, batch, per, [2]float64{4 * float64(n), 3*float64(n) + merge},
		func(pass int, part binding, b0, nb int) []binding {
			xs := in(bx, n).slice(b0*item, nb*item)
			if pass == 0 {
				return []binding{xs, part, in(bgamma, c), in(bbeta, c)}
			}
			return []binding{out(by, n).slice(b0*item, nb*item), xs, part, out(bmean, c), out(binv, c), in(brm, c), in(brv, c)}
		})
}

// BatchNormEval normalizes with the running statistics.
func (g *Backend) BatchNormEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormEval("batchnorm_eval", "batchnorm_apply:eval", y, x, gamma, beta, runMean, runVar, s)
}

// batchNormEval is BatchNormEval with apply, the entry point that writes
// y (batchnorm_apply:eval, or eval_relu for BatchNormReLUEval).
func (g *Backend) batchNormEval(op, apply string, y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	checked := ops.CheckBatchNormEval(y, x, gamma, beta, runMean, runVar, s)
	bs, done, err := g.begin(op, checked, y, x, runMean, runVar, gamma, beta)
	if err != nil {
		return err
	}
	defer done()
	xs := x.Shape()
	c, hw, n := xs[1], xs[2]*xs[3], x.Numel()
	item := n / xs[0]
	return g.batchChunks(op, xs[0], []int{item}, func(b0, nb int) error {
		m := nb * item
		return g.dispatchFlat(op, apply, m, 256, 3*float64(m), &bnApplyParams{C: uint32(c), HW: uint32(hw), Eps: s.Eps},
			out(bs[0], n).slice(b0*item, m), in(bs[1], n).slice(b0*item, m), in(bs[2], c), in(bs[3], c), in(bs[4], c), in(bs[5], c))
	})
}

// BatchNormBackward writes the training-mode gradients from the saved
// mean and invStd in two dispatches: chunk sums of dy and dy*xhat
// (batchnorm_grad:partial), then batchnorm_dx, whose every workgroup sums
// its channel's chunks in one fixed order, giving dbeta = sum(dy) and
// dgamma = sum(dy*xhat), and writes
// dx = gamma*invStd/m * (m*dy - dbeta - xhat*dgamma) over its chunk, with
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
	n, c := x.Numel(), dgamma.Numel()
	return g.bnBackward(op, "batchnorm_grad:partial", x, func(b0, m int) []binding {
		return []binding{in(bx, n).slice(b0, m), in(bdy, n).slice(b0, m), in(bmean, c), in(binv, c)}
	}, bdx, bdy, bx, bmean, binv, bgamma, bdg, bdb, 5)
}

// bnBackward records batch norm's backward passes over x: partial, whose
// bindings for values [b0, b0+m) are first(b0, m) followed by the scratch
// and gamma, with partialFlops per value; then batchnorm_dx, reading dy
// from dyx (dx itself for BatchNormReLUBackward's masked dy, in place).
func (g *Backend) bnBackward(op, partial string, x *ops.Tensor, first func(b0, m int) []binding, bdx, dyx, bx, bmean, binv, bgamma, bdg, bdb *buffer, partialFlops float64) error {
	batch, n := x.Shape()[0], x.Numel()
	item := n / batch
	per, err := g.batchChunk(op, batch, item)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	c := int(l.C)
	sums := 2 * float64(c*int(l.Parts)) * float64(l.Parts)
	return g.bnPasses(op, [2]string{partial, "batchnorm_dx"}, &l, batch, per, [2]float64{partialFlops * float64(n), 8*float64(n) + sums},
		func(pass int, part binding, b0, nb int) []binding {
			o, m := b0*item, nb*item
			if pass == 0 {
				return append(first(o, m), part, in(bgamma, c))
			}
			return []binding{out(bdx, n).slice(o, m), in(bx, n).slice(o, m), in(dyx, n).slice(o, m),
				in(bmean, c), in(binv, c), part, out(bdg, c), out(bdb, c)}
		})
}
