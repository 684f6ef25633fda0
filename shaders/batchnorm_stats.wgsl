//!include batchnorm_chunks
//!include tree
// batchnorm_stats: the first pass of batch norm's training forward, the
// per-chunk statistics of x [N,C,H,W] (the chunk layout and the
// parameters are include/batchnorm_chunks.wgsl's). Workgroup (j, c) takes
// the j-th chunk of channel c's values, computes the chunk's mean by a
// tree sum (include/tree.wgsl) and then the sum of squared deviations
// from it (a second tree), and stores both in part; the workgroup of
// chunk 0 also stages gamma[c] and beta[c] there. batchnorm_train.wgsl
// combines the chunks and normalizes.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(4) var<storage, read_write> beta: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    var s = 0.0;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        s += x_ld(at(ch.c, e));
    }
    let m = treeSum(t, s) / f32(ch.end - ch.start);
    var q = 0.0;
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let d = x_ld(at(ch.c, e)) - m;
        q += d * d;
    }
    let squares = treeSum(t, q);
    if (t == 0u) {
        part[partAt(ch.c, ch.j)] = m;
        part[partAt(ch.c, ch.j) + 1u] = squares;
        if (ch.j == 0u) {
            part[stageAt(ch.c)] = gamma[ch.c];
            part[stageAt(ch.c) + 1u] = beta[ch.c];
        }
    }
}
