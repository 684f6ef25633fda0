//!include batchnorm_chunks
// batchnorm_train: the second pass of batch norm's training forward,
// after batchnorm_stats.wgsl's per-chunk statistics (the chunk layout and
// the parameters are include/batchnorm_chunks.wgsl's). Workgroup (j, c)
// merges channel c's chunks in a fixed order with Chan et al.'s pairwise
// formula (a tree over three values per invocation), which gives the
// batch mean and the biased variance, then writes
// y = (x - mean) * (gamma * invStd) + beta, invStd = 1/sqrt(var + eps),
// over its chunk, with gamma and beta from where batchnorm_stats staged
// them. The workgroup of chunk 0 writes mean and invStd and updates the
// running statistics with the unbiased variance, as the CPU backend
// does. apply_relu writes relu(y) instead: batch norm fused with the ReLU after
// it, NaN kept as elementwise_unary.wgsl's relu keeps it.
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> runMean: array<f32>;
@group(0) @binding(7) var<storage, read_write> runVar: array<f32>;

const WG = 256u;

// The merge tree: a chunk count, mean and sum of squared deviations per
// invocation.
var<workgroup> sn: array<f32, WG>;
var<workgroup> sm: array<f32, WG>;
var<workgroup> sq: array<f32, WG>;

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

// channel returns channel c's statistics over the whole batch to every
// invocation: invocation t merges chunks t, t + WG, ... in order, then a
// tree merges the invocations'.
fn channel(c: u32, t: u32) -> Stats {
    var s = Stats(0.0, 0.0, 0.0);
    for (var j = t; j < p.parts; j += WG) {
        let k = partAt(c, j);
        let n = f32(min(p.chunk, p.total - j * p.chunk));
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
    return Stats(sn[0], sm[0], sq[0]);
}

// Norm is what normalizing chunk ch takes: y = (x - mu) * scale + shift.
struct Norm { mu: f32, scale: f32, shift: f32 }

// finish combines channel ch.c's statistics, writes them from the
// workgroup of chunk 0 and returns the normalization.
fn finish(ch: Chunk, t: u32) -> Norm {
    let s = channel(ch.c, t);
    let count = f32(p.total);
    let inv = 1.0 / sqrt(s.q / count + p.eps);
    if (ch.j == 0u && t == 0u) {
        let c = ch.c;
        mean[c] = s.m;
        invStd[c] = inv;
        let m = p.momentum;
        runMean[c] = (1.0 - m) * runMean[c] + m * s.m;
        runVar[c] = (1.0 - m) * runVar[c] + m * (s.q / (count - 1.0));
    }
    return Norm(s.m, part[stageAt(ch.c)] * inv, part[stageAt(ch.c) + 1u]);
}

@compute @workgroup_size(256)
fn apply(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let f = finish(ch, t);
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(ch.c, e);
        y[k] = (x[k] - f.mu) * f.scale + f.shift;
    }
}

// relu is elementwise_unary.wgsl's: v where v > 0 or v is NaN (tested on
// the bits), else 0.
fn relu(v: f32) -> f32 {
    return select(0.0, v, v > 0.0 || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

@compute @workgroup_size(256)
fn apply_relu(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let ch = chunkOf(wid);
    let f = finish(ch, t);
    for (var e = ch.start + t; e < ch.end; e += WG) {
        let k = at(ch.c, e);
        y[k] = relu((x[k] - f.mu) * f.scale + f.shift);
    }
}
