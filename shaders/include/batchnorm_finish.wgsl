// batchnorm_finish (snippet): the second pass of batch norm's training
// forward combines a channel's per-chunk statistics, which
// batchnorm_stats.wgsl wrote, in every workgroup: batchnorm_train.wgsl
// and batchnorm_relu_pool.wgsl. The including module declares const WG
// (256), the parameter block (include/batchnorm_chunks.wgsl), and the
// storage buffers part, mean, invStd, runMean and runVar.

// isNaN tests the bits, which no fast-math assumption can fold away.
fn isNaN(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// relu is elementwise_unary.wgsl's: v where v > 0 or v is NaN, else 0.
fn relu(v: f32) -> f32 {
    return select(0.0, v, v > 0.0 || isNaN(v));
}

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
// invocation: invocation t merges chunks t, t + WG, ... in order with
// Chan et al.'s pairwise formula, then a tree merges the invocations'
// (three values each).
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

// finish combines channel ch.c's statistics, writes mean, invStd and the
// running statistics (updated with the unbiased variance, as the CPU
// backend does) from the workgroup of chunk 0, and returns the
// normalization, with gamma and beta from where batchnorm_stats staged
// them. Every invocation calls it (it has barriers).
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
