//!include batchnorm_chunks
//!include tree
// batchnorm_grad: per-channel dbeta = sum(dy) and dgamma = sum(dy * xhat),
// xhat = (x - mean[c]) * invStd[c], over N, H and W of [N,C,H,W], in two
// passes without atomics (the chunk layout and the parameters are
// include/batchnorm_chunks.wgsl's). partial: workgroup (j, c) tree-sums
// the j-th chunk of channel c into part; finish: workgroup c sums channel
// c's chunks in a fixed order (strided, then a tree). The trees are
// include/tree.wgsl's treeSum.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;
@group(0) @binding(6) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(7) var<storage, read_write> dbeta: array<f32>;

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
    }
}

@compute @workgroup_size(256)
fn finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let c = wid.x;
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var j = t; j < p.parts; j += WG) {
        let k = partAt(c, j);
        sdy += part[k];
        sdyx += part[k + 1u];
    }
    let sumDy = treeSum(t, sdy);
    let sumDyXhat = treeSum(t, sdyx);
    if (t == 0u) {
        dbeta[c] = sumDy;
        dgamma[c] = sumDyXhat;
    }
}
