package gpu

import "github.com/wgtrain/wgtrain/ops"

// Adam applies one bias-corrected Adam step in place on p, m and v. The
// step's float32 constants come from s.Consts(), computed on the host as
// the CPU backend does, and each element is updated in the same order of
// float32 operations. With s.Guard, every invocation first reads the
// guard and leaves its element alone when the value is not finite.
func (g *Backend) Adam(p, gr, m, v *ops.Tensor, s ops.AdamSpec) error {
	const op = "adam"
	if err := ops.CheckAdam(p, gr, m, v, s); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, p, gr, m, v, s.Guard)
	if err != nil {
		return err
	}
	guarded := uint32(0)
	bind := []binding{in(bs[0], p.Numel()), in(bs[1], p.Numel()), in(bs[2], p.Numel()), in(bs[3], p.Numel())}
	if s.Guard != nil {
		guarded = 1
		bind = append(bind, in(bs[4], 1))
	}
	k := s.Consts()
	n := p.Numel()
	extra := []uint32{
		f32bits(k.Beta1), f32bits(k.Beta2), f32bits(k.OneMinusBeta1), f32bits(k.OneMinusBeta2),
		f32bits(k.StepSize), f32bits(k.SqrtBias2), f32bits(k.Eps), guarded,
	}
	return g.elementwise(op, "adam", n, extra, bind...)
}

// Argmax writes the index of each row's first largest logit; a NaN wins
// only in column 0, as in the CPU backend's scan.
func (g *Backend) Argmax(pred, logits *ops.Tensor) error {
	const op = "argmax"
	if err := ops.CheckArgmax(pred, logits); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, pred, logits)
	if err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	wx, wy, row := g.grid(n, 64)
	return g.dispatch(op, "argmax", []uint32{uint32(n), row, uint32(c)}, wx, wy, float64(n*c),
		out(bs[0], n), in(bs[1], n*c))
}
