//!include batchnorm_chunks
//!include batchnorm_sums
//!include batchnorm_pool
//!include tree
// batchnorm_pool_dx: the second pass of the backward of batch norm, ReLU
// and max pooling fused: batchnorm_dx.wgsl's, with each value's dy the
// pooled gradient that idx routes to it (include/batchnorm_pool.wgsl),
// and gamma, mean and invStd from where batchnorm_pool_grad.wgsl staged
// them. Workgroup (j, c) combines channel c's sums
// (include/batchnorm_sums.wgsl; the workgroup of chunk 0 writes dbeta and
// dgamma), then writes dx over its chunk.
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> idx: array<i32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;
@group(0) @binding(6) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(7) var<storage, read_write> dbeta: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let c = ch.c;
    let s = channelSums(c, t);
    if (ch.j == 0u && t == 0u) {
        dbeta[c] = s.x;
        dgamma[c] = s.y;
    }
    let mu = part[stageAt(c) + 1u];
    let inv = part[stageAt(c) + 2u];
    let m = f32(p.total);
    let f = part[stageAt(c)] * inv / m;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(c, e);
        let xhat = (x_ld(k) - mu) * inv;
        dx_st(k, f * (m * routed(c, e) - s.x - xhat * s.y));
    }
}
