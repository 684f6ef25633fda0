package gpu

import "github.com/wgtrain/wgtrain/ops"

// Linear layers are products of gemm.go's planner, computed by the
// strided entry point linear of shaders/gemm.wgsl.

// Linear writes y = x w^T + b (b may be nil).
func (g *Backend) Linear(y, x, w, b *ops.Tensor) error {
	const op = "linear"
	bs, done, err := g.begin(op, ops.CheckLinear(op, x, w, b, y), y, x, w, b)
	if err != nil {
		return err
	}
	defer done()
	n, in_, out_ := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	return g.gemm(gemmProduct{
		op: op, key: "gemm:linear",
		m: n, n: out_, k: in_,
		strides: linearStrides{SAM: uint32(in_), SAK: 1, SBK: 1, SBN: uint32(in_)},
		dst:     bs[0], numel: y.Numel(),
		a: in(bs[1], x.Numel()), b: in(bs[2], w.Numel()),
		bias: bs[3], bdiv: 1, bmod: out_,
	})
}

// LinearBackward writes dx = dy w, dw = dy^T x and db = the column sums
// of dy; nil outputs are skipped.
func (g *Backend) LinearBackward(dx, dw, db, x, w, dy *ops.Tensor) error {
	const op = "linear_backward"
	bs, done, err := g.begin(op, ops.CheckLinearBackward(dx, dw, db, x, w, dy), dx, dw, db, x, w, dy)
	if err != nil {
		return err
	}
	defer done()
	n, in_, out_ := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	if dx != nil {
		err := g.gemm(gemmProduct{
			op: op, key: "gemm:linear", m: n, n: in_, k: out_,
			strides: linearStrides{SAM: uint32(out_), SAK: 1, SBK: uint32(in_), SBN: 1},
			dst:     bs[0], numel: dx.Numel(),
			a: in(bs[5], dy.Numel()), b: in(bs[4], w.Numel()),
		})
		if err != nil {
			return err
		}
	}
	if dw != nil {
		err := g.gemm(gemmProduct{
			op: op, key: "gemm:linear", m: out_, n: in_, k: n,
			strides: linearStrides{SAM: 1, SAK: uint32(out_), SBK: uint32(in_), SBN: 1},
			dst:     bs[1], numel: dw.Numel(),
			a: in(bs[5], dy.Numel()), b: in(bs[3], x.Numel()),
		})
		if err != nil {
			return err
		}
	}
	if db != nil {
		return g.gemmBiasGrad(op, bs[2], bs[5], n, out_, 1)
	}
	return nil
}
