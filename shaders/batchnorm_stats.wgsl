//!include tree
// batchnorm_stats: per-channel mean and variance of x [N,C,H,W] over
// N, H and W, in two passes without atomics. partial: workgroup (j, c)
// takes the j-th chunk of channel c's count values (value e of a channel
// is x[(e / hw * C + c) * hw + e % hw]), computes the chunk's mean by a
// tree sum (include/tree.wgsl) and then the sum of squared deviations
// from it (a second tree), and stores both in part[2 * (c * parts + j) ..].
// finish: workgroup c merges channel c's chunks in a fixed order with
// Chan et al.'s pairwise formula (its own tree, over three values per
// invocation), writes mean and 1/sqrt(var + eps) (biased variance) and
// updates the running statistics with the unbiased variance, as ops.CPU
// does.
struct P {
    C: u32, hw: u32, count: u32, chunk: u32, parts: u32,
    eps: f32, momentum: f32,
}
@group(0) @binding(0) var<uniform> p: P;
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

fn at(c: u32, e: u32) -> u32 {
    return (e / p.hw * p.C + c) * p.hw + e % p.hw;
}

@compute @workgroup_size(256)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let j = wid.x;
    let c = wid.y;
    let start = j * p.chunk;
    let end = min(start + p.chunk, p.count);
    var s = 0.0;
    for (var e = start + t; e < end; e += WG) {
        s += x[at(c, e)];
    }
    let m = treeSum(t, s) / f32(end - start);
    var q = 0.0;
    for (var e = start + t; e < end; e += WG) {
        let d = x[at(c, e)] - m;
        q += d * d;
    }
    let squares = treeSum(t, q);
    if (t == 0u) {
        part[2u * (c * p.parts + j)] = m;
        part[2u * (c * p.parts + j) + 1u] = squares;
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
        let k = 2u * (c * p.parts + j);
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
