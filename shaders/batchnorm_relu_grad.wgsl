//!include batchnorm_chunks
//!include tree
// batchnorm_relu_grad: pass partial of batchnorm_grad.wgsl for a batch
// norm fused with the ReLU after it. Each value's gradient is first
// masked by ReLU's: g = dy where the fused output y > 0 or y is NaN
// (tested on the bits, as elementwise_binary.wgsl's relu_backward does),
// else 0; g is written to dx, where batchnorm_dx.wgsl (dy bound to dx)
// reads it. Workgroup (j, c) tree-sums g and g * xhat,
// xhat = (x - mean[c]) * invStd[c], over the j-th chunk of channel c into
// part and stages gamma[c] there, as batchnorm_grad's partial does.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> part: array<f32>;
@group(0) @binding(8) var<storage, read_write> gamma: array<f32>;

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
        let v = y_ld(k);
        let g = select(0.0, dy_ld(k), v > 0.0 || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
        dx_st(k, g);
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
