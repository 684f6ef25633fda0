//!include batchnorm_chunks
//!include batchnorm_sums
//!include tree
// batchnorm_dx: the second pass of batch norm's backward, after
// batchnorm_grad.wgsl's (or batchnorm_relu_grad.wgsl's) per-chunk sums
// (the chunk layout and the parameters are include/batchnorm_chunks.wgsl's).
// Workgroup (j, c) sums channel c's chunks (include/batchnorm_sums.wgsl),
// giving dbeta = sum(dy) and dgamma = sum(dy * xhat), which the workgroup
// of chunk 0 writes, then writes dx = gamma*invStd/m * (m*dy - dbeta - xhat*dgamma) over its
// chunk, with m = total (values per channel), xhat = (x - mean[c]) *
// invStd[c] and gamma from where the first pass staged it. dy may be dx
// itself (the ReLU-masked dy of batchnorm_relu_grad.wgsl).
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(8) var<storage, read_write> dbeta: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let c = ch.c;
    let s = channelSums(c, t);
    let sumDy = s.x;
    let sumDyXhat = s.y;
    if (ch.j == 0u && t == 0u) {
        dbeta[c] = sumDy;
        dgamma[c] = sumDyXhat;
    }
    let mu = mean[c];
    let inv = invStd[c];
    let m = f32(p.total);
    let f = part[stageAt(c)] * inv / m;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(c, e);
        let xhat = (x_ld(k) - mu) * inv;
        dx_st(k, f * (m * dy_ld(k) - sumDy - xhat * sumDyXhat));
    }
}
