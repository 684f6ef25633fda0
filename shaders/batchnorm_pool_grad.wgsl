//!include batchnorm_chunks
//!include batchnorm_pool
//!include tree
// batchnorm_pool_grad: the first pass of the backward of batch norm, ReLU
// and max pooling fused (batchnorm_relu_pool.wgsl): batchnorm_grad.wgsl's
// partial, with each value's dy the pooled gradient that idx routes to it
// (include/batchnorm_pool.wgsl), computed, not read. Workgroup (j, c)
// tree-sums g and g * xhat over the j-th chunk of channel c into part
// and stages gamma[c], mean[c] and invStd[c] there for
// batchnorm_pool_dx.wgsl.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<i32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<storage, read_write> gamma: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let mu = mean[ch.c];
    let inv = invStd[ch.c];
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let g = routed(ch.c, e);
        sdy += g;
        sdyx += g * ((x_ld(at(ch.c, e)) - mu) * inv);
    }
    let sumDy = treeSum(t, sdy);
    let sumDyXhat = treeSum(t, sdyx);
    if (t == 0u) {
        part[partAt(ch.c, ch.j)] = sumDy;
        part[partAt(ch.c, ch.j) + 1u] = sumDyXhat;
        if (ch.j == 0u) {
            part[stageAt(ch.c)] = gamma[ch.c];
            part[stageAt(ch.c) + 1u] = mu;
            part[stageAt(ch.c) + 2u] = inv;
        }
    }
}
