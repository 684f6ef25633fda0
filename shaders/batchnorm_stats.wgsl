//!include batchnorm_chunks
//!include tree
// batchnorm_stats: per-channel mean and variance of x [N,C,H,W] over
// N, H and W, in two passes without atomics (the chunk layout and the
// parameters are include/batchnorm_chunks.wgsl's). partial: workgroup
// (j, c) takes the j-th chunk of channel c's count values, computes the
// chunk's mean by a tree sum (include/tree.wgsl) and then the sum of
// squared deviations from it (a second tree), and stores both in part.
// finish: workgroup c merges channel c's chunks in a fixed order with
// Chan et al.'s pairwise formula (its own tree, over three values per
// invocation), writes mean and 1/sqrt(var + eps) (biased variance) and
// updates the running statistics with the unbiased variance, as the CPU
// backend does.
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(5) var<storage, read_write> runMean: array<f32>;
@group(0) @binding(6) var<storage, read_write> runVar: array<f32>;

const WG = 256u;

// The merge tree of finish: a chunk count, mean and sum of squared
// deviations per invocation.
var<workgroup> sn: array<f32, WG>;
var<workgroup> sm: array<f32, WG>;
var<workgroup> sq: array<f32, WG>;

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
    }
}

// Stats is a count, a mean and a sum of squared deviations from it.
struct Stats { n: f32, m: f32, q: f32 }

// merge combines the statistics of two disjoint sets (Chan, Golub and
// LeVeque): no cancellation between large sums of squares.
fn merge(a: Stats, b: Stats) -> Stats {
    if (b.n == 0.0) {
        return a;
    }
    if (a.n == 0.0) {
        return b;
    }
    let n = a.n + b.n;
    let d = b.m - a.m;
    return Stats(n, a.m + d * (b.n / n), a.q + b.q + d * d * (a.n * (b.n / n)));
}

@compute @workgroup_size(256)
fn finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let c = wid.x;
    var s = Stats(0.0, 0.0, 0.0);
    for (var j = t; j < p.parts; j += WG) {
        let k = partAt(c, j);
        let n = f32(min(p.chunk, p.count - j * p.chunk));
        s = merge(s, Stats(n, part[k], part[k + 1u]));
    }
    sn[t] = s.n;
    sm[t] = s.m;
    sq[t] = s.q;
    workgroupBarrier();
    for (var h = WG / 2u; h > 0u; h >>= 1u) {
        if (t < h) {
            let r = merge(Stats(sn[t], sm[t], sq[t]), Stats(sn[t + h], sm[t + h], sq[t + h]));
            sn[t] = r.n;
            sm[t] = r.m;
            sq[t] = r.q;
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let mu = sm[0];
        let count = f32(p.count);
        let variance = sq[0] / count;
        mean[c] = mu;
        invStd[c] = 1.0 / sqrt(variance + p.eps);
        let m = p.momentum;
        runMean[c] = (1.0 - m) * runMean[c] + m * mu;
        runVar[c] = (1.0 - m) * runVar[c] + m * (sq[0] / (count - 1.0));
    }
}
