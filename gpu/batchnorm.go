package gpu

import "github.com/wgtrain/wgtrain/ops"

// bnChunk is the number of values of one channel that one workgroup of a
// batch norm reduction takes (16 per invocation); a channel with more
// values is split into chunks whose partial results a second dispatch
// combines, so that large batches keep many workgroups busy.
const bnChunk = 16 * 256

// bnChunkParams is the parameter block of include/batchnorm_chunks.wgsl
// (batchnorm_stats.wgsl and batchnorm_grad.wgsl): C channels of HW values
// per plane and Count per channel, reduced in Parts chunks of Chunk
// values, J0 the first chunk of a partial pass over a slice of the batch;
// batchnorm_stats also takes the spec's Eps and Momentum.
type bnChunkParams struct {
	C, HW, Count, Chunk, Parts, J0 uint32
	Eps, Momentum                  float32
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
	return bnChunkParams{C: uint32(c), HW: uint32(hw), Count: uint32(count), Chunk: uint32(chunk), Parts: uint32(parts)}
}

// bnReduce records one of batch norm's two-pass per-channel reductions,
// entry points partial and finish (batchnorm_stats:partial and :finish,
// batchnorm_grad's, or batchnorm_relu_grad:partial and
// batchnorm_grad:finish): partial, one workgroup per chunk and channel,
// reads inputs and writes two values per chunk into a scratch buffer;
// finish, one workgroup per channel, reads the scratch and writes
// results. inputs(b0, nb) binds the inputs for images [b0, b0+nb): the
// partial pass runs once per slice of per images (the whole batch n when
// it fits one binding). finishIn binds finish's inputs, which it does not
// read; nil binds inputs' first slice.
func (g *Backend) bnReduce(op, partial, finish string, l *bnChunkParams, n, per int, partialFlops, finishFlops float64, inputs func(b0, nb int) []binding, finishIn, results []binding) error {
	c, parts := int(l.C), int(l.Parts)
	part, err := g.get(uint64(8 * c * parts))
	if err != nil {
		return opErr(op, "scratch for %d partial sums: %v", 2*c*parts, err)
	}
	defer g.put(part)
	whole := *l
	for b0 := 0; b0 < n; b0 += per {
		nb := min(per, n-b0)
		sl := whole
		sl.Count = uint32(nb) * l.HW
		sl.J0 = uint32(b0) * l.HW / l.Chunk
		wx := (sl.Count + sl.Chunk - 1) / sl.Chunk
		bufs := append(inputs(b0, nb), out(part, 2*c*parts))
		if err := g.dispatch(op, partial, &sl, wx, l.C, partialFlops*float64(nb)/float64(n), bufs...); err != nil {
			return err
		}
	}
	if finishIn == nil {
		finishIn = inputs(0, min(per, n))
	}
	bufs := append(append(finishIn, in(part, 2*c*parts)), results...)
	return g.dispatch(op, finish, l, l.C, 1, finishFlops, bufs...)
}

// BatchNormTrain normalizes with batch statistics (biased variance),
// saves mean and 1/sqrt(var+eps), and updates the running statistics with
// the unbiased variance, as PyTorch's BatchNorm2d does in training mode.
// The statistics come from two reduction dispatches (chunk mean and
// squared deviations, then a fixed-order pairwise merge per channel); a
// third dispatch writes y.
func (g *Backend) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormTrain("batchnorm_train", "batchnorm_apply:train", y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// batchNormTrain is BatchNormTrain with apply, the entry point that
// writes y (batchnorm_apply:train, or train_relu for BatchNormReLUTrain).
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
	slice := func(b0, nb int) []binding { return []binding{in(bx, n).slice(b0*item, nb*item)} }
	if err := g.bnReduce(op, "batchnorm_stats:partial", "batchnorm_stats:finish", &l, batch, per, 4*float64(n), 8*float64(c*int(l.Parts)),
		slice, nil, []binding{out(bmean, c), out(binv, c), in(brm, c), in(brv, c)}); err != nil {
		return err
	}
	for b0 := 0; b0 < batch; b0 += per {
		m := min(per, batch-b0) * item
		if err := g.dispatchFlat(op, apply, m, 256, 3*float64(m), &bnApplyParams{C: l.C, HW: l.HW},
			out(by, n).slice(b0*item, m), in(bx, n).slice(b0*item, m), in(bmean, c), in(binv, c), in(bgamma, c), in(bbeta, c)); err != nil {
			return err
		}
	}
	return nil
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
	batch, n := x.Shape()[0], x.Numel()
	item := n / batch
	per, err := g.batchChunk(op, batch, item)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	c := int(l.C)
	slice := func(b0, nb int) []binding {
		return []binding{in(bx, n).slice(b0*item, nb*item), in(bdy, n).slice(b0*item, nb*item), in(bmean, c), in(binv, c)}
	}
	if err := g.bnReduce(op, "batchnorm_grad:partial", "batchnorm_grad:finish", &l, batch, per, 5*float64(n), 2*float64(c*int(l.Parts)),
		slice, nil, []binding{out(bdg, c), out(bdb, c)}); err != nil {
		return err
	}
	return g.bnDx(op, &l, batch, per, item, bdx, bx, bdy, bmean, binv, bgamma, bdg, bdb)
}

// bnDx records batchnorm_dx over the batch in slices of per images (item
// values each): dx = gamma*invStd/m * (m*dy - dbeta - xhat*dgamma). dy
// may be dx itself (BatchNormReLUBackward's masked dy).
func (g *Backend) bnDx(op string, l *bnChunkParams, batch, per, item int, bdx, bx, bdy, bmean, binv, bgamma, bdg, bdb *buffer) error {
	n, c := batch*item, int(l.C)
	for b0 := 0; b0 < batch; b0 += per {
		m := min(per, batch-b0) * item
		if err := g.dispatchFlat(op, "batchnorm_dx", m, 256, 8*float64(m), &bnDxParams{C: l.C, HW: l.HW, Count: float32(l.Count)},
			out(bdx, n).slice(b0*item, m), in(bx, n).slice(b0*item, m), in(bdy, n).slice(b0*item, m),
			in(bmean, c), in(binv, c), in(bgamma, c), in(bdg, c), in(bdb, c)); err != nil {
			return err
		}
	}
	return nil
}
