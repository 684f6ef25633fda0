//!include batchnorm_chunks
//!include batchnorm_finish
// batchnorm_relu_pool: the second pass of the training forward of batch
// norm, ReLU and k x k max pooling (stride k) fused, after
// batchnorm_stats.wgsl's per-chunk statistics (the chunk layout and the
// parameters are include/batchnorm_chunks.wgsl's). Workgroup (j, c)
// combines channel c's statistics as batchnorm_train.wgsl does
// (include/batchnorm_finish.wgsl; the workgroup of j = 0 writes them),
// then takes ceil(chunk / k^2) of the channel's pooled outputs, from the
// j-th such block of the bound slice: each is the maximum of relu(batch
// norm(x)) over its window, as maxpool.wgsl picks it (the first maximum
// in row-major order, a NaN beats any number), written to y with the
// winner's offset in the window to idx, or -1 where the ReLU stopped it
// (the value is 0 and not NaN). The full-resolution output is not
// written.
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(7) var<storage, read_write> runMean: array<f32>;
@group(0) @binding(8) var<storage, read_write> runVar: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn train(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let c = wid.y;
    let f = finish(Chunk(c, wid.x + p.j0, 0u, 0u), t);
    let oh = p.hw / p.w / p.k;
    let ow = p.w / p.k;
    let per = (p.chunk + p.k * p.k - 1u) / (p.k * p.k);
    let n = p.count / p.hw * oh * ow;
    let start = wid.x * per;
    let end = min(start + per, n);
    for (var e = start + t; e < end; e += WG) {
        let img = e / (oh * ow);
        let r = e % (oh * ow);
        let y0 = r / ow * p.k;
        let x0 = r % ow * p.k;
        let base = (img * p.C + c) * p.hw;
        var best = 0u;
        var top = relu((x_ld(base + y0 * p.w + x0) - f.mu) * f.scale + f.shift);
        for (var i = 0u; i < p.k; i++) {
            for (var j = 0u; j < p.k; j++) {
                let v = relu((x_ld(base + (y0 + i) * p.w + x0 + j) - f.mu) * f.scale + f.shift);
                if (v > top || isNaN(v)) {
                    best = i * p.k + j;
                    top = v;
                }
            }
        }
        let o = (img * p.C + c) * oh * ow + r;
        y_st(o, top);
        idx[o] = select(-1, i32(best), top > 0.0 || isNaN(top));
    }
}
