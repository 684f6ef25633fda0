//!include batchnorm_chunks
//!include tree
// batchnorm_grad: the first pass of batch norm's backward, the per-chunk
// sums of dy and dy * xhat, xhat = (x - mean[c]) * invStd[c], over N, H
// and W of [N,C,H,W] (the chunk layout and the parameters are
// include/batchnorm_chunks.wgsl's). Workgroup (j, c) tree-sums
// (include/tree.wgsl) the j-th chunk of channel c into part; the
// workgroup of chunk 0 also stages gamma[c] there. batchnorm_dx.wgsl
// combines the chunks and writes the gradients.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;
@group(0) @binding(6) var<storage, read_write> gamma: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let mu = mean[ch.c];
    let inv = invStd[ch.c];
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(ch.c, e);
        let g = dy_ld(k);
        sdy += g;
        sdyx += g * ((x_ld(k) - mu) * inv);
    }
    let sumDy = treeSum(t, sdy);
    let sumDyXhat = treeSum(t, sdyx);
    if (t == 0u) {
        part[partAt(ch.c, ch.j)] = sumDy;
        part[partAt(ch.c, ch.j) + 1u] = sumDyXhat;
        if (ch.j == 0u) {
            part[stageAt(ch.c)] = gamma[ch.c];
        }
    }
}
