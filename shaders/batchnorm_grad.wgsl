//!include tree
// batchnorm_grad: per-channel dbeta = sum(dy) and dgamma = sum(dy * xhat),
// xhat = (x - mean[c]) * invStd[c], over N, H and W of [N,C,H,W], in two
// passes without atomics. partial: workgroup (j, c) tree-sums the j-th
// chunk of channel c into part[2 * (c * parts + j) ..]; finish: workgroup
// c sums channel c's chunks in a fixed order (strided, then a tree). The
// trees are include/tree.wgsl's treeSum.
struct P { C: u32, hw: u32, count: u32, chunk: u32, parts: u32 }
@group(0) @binding(0) var<uniform> p: P;
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
    let j = wid.x;
    let c = wid.y;
    let start = j * p.chunk;
    let end = min(start + p.chunk, p.count);
    let mu = mean[c];
    let inv = invStd[c];
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var e = start + t; e < end; e += WG) {
        let k = (e / p.hw * p.C + c) * p.hw + e % p.hw;
        let g = dy[k];
        sdy += g;
        sdyx += g * ((x[k] - mu) * inv);
    }
    let sumDy = treeSum(t, sdy);
    let sumDyXhat = treeSum(t, sdyx);
    if (t == 0u) {
        part[2u * (c * p.parts + j)] = sumDy;
        part[2u * (c * p.parts + j) + 1u] = sumDyXhat;
    }
}

@compute @workgroup_size(256)
fn finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let c = wid.x;
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var j = t; j < p.parts; j += WG) {
        let k = 2u * (c * p.parts + j);
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
