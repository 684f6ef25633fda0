//!include tree
// gemm_sum: the deterministic sums that finish the products of gemm.wgsl
// and conv2d.wgsl.
//
// split: dst[i] = sum over s < splits of src[s*n + i] (+ bias[(i / bdiv)
// % bmod]), adding the split-K partial outputs (at most 64) in a fixed
// pairwise order. The last tail of the n values go to bias[i - (n -
// tail)] instead (without the bias): the row sums that a product writes
// after its output (include/gemm_tile.wgsl, p.sums 2), a convolution's
// bias gradient.
//
// bias_grad: dst[o] = sum over image < batch and q < hw of
// src[(image*ch + o)*hw + q], the bias gradient of a convolution (hw =
// oh*ow) or of a linear layer (hw = 1). One workgroup per o: each
// invocation sums a strided share in f32 (in blocks of 16), then treeSum
// (include/tree.wgsl) adds the shares.
struct P {
    n: u32, row: u32, splits: u32, bias: u32, bdiv: u32, bmod: u32,
    ch: u32, batch: u32, hw: u32, gx: u32,
    tail: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read_write> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;

@compute @workgroup_size(256)
fn split(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        // A pairwise tree over the splits (at most 64), in place.
        var t: array<f32, 64>;
        for (var s = 0u; s < p.splits; s++) {
            t[s] = src_ld(s * p.n + i);
        }
        for (var w = 1u; w < p.splits; w *= 2u) {
            for (var s = 0u; s + w < p.splits; s += 2u * w) {
                t[s] += t[s + w];
            }
        }
        var v = t[0];
        if (i >= p.n - p.tail) {
            bias[i - (p.n - p.tail)] = v;
            return;
        }
        if (p.bias != 0u) {
            v += bias[(i / p.bdiv) % p.bmod];
        }
        dst_st(i, v);
    }
}

const WG = 256u;

@compute @workgroup_size(256)
fn bias_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let o = wid.x + wid.y * p.gx;
    let total = p.batch * p.hw;
    var v = 0.0;
    if (o < p.ch) {
        // Blocks of 16 terms summed apart, then added: less f32 rounding
        // than one running sum over a long batch.
        for (var q0 = lid; q0 < total; q0 += 16u * 256u) {
            var s = 0.0;
            for (var q = q0; q < min(total, q0 + 16u * 256u); q += 256u) {
                s += src_ld(((q / p.hw) * p.ch + o) * p.hw + q % p.hw);
            }
            v += s;
        }
    }
    let sum = treeSum(lid, v);
    if (lid == 0u && o < p.ch) {
        dst_st(o, sum);
    }
}
