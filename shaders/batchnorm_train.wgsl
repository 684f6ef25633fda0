//!include batchnorm_chunks
//!include batchnorm_finish
// batchnorm_train: the second pass of batch norm's training forward,
// after batchnorm_stats.wgsl's per-chunk statistics (the chunk layout and
// the parameters are include/batchnorm_chunks.wgsl's). Workgroup (j, c)
// merges channel c's chunks (include/batchnorm_finish.wgsl), which gives
// the batch mean and the biased variance, then writes
// y = (x - mean) * (gamma * invStd) + beta, invStd = 1/sqrt(var + eps),
// over its chunk, with gamma and beta from where batchnorm_stats staged
// them. The workgroup of chunk 0 writes mean and invStd and updates the
// running statistics. apply_relu writes relu(y) instead: batch norm
// fused with the ReLU after it.
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> runMean: array<f32>;
@group(0) @binding(7) var<storage, read_write> runVar: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn apply(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let f = finish(ch, t);
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(ch.c, e);
        y_st(k, (x_ld(k) - f.mu) * f.scale + f.shift);
    }
}

@compute @workgroup_size(256)
fn apply_relu(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let f = finish(ch, t);
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(ch.c, e);
        y_st(k, relu((x_ld(k) - f.mu) * f.scale + f.shift));
    }
}
