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

// chStats is where invocation 0 leaves the channel's statistics (count,
// mean, sum of squared deviations) for the others.
var<workgroup> chStats: array<f32, 3>;

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
// invocation: invocation 0 merges the chunks' statistics in chunk order
// with Chan et al.'s formula (a channel has a few to a few hundred
// chunks), then a barrier shares them. One barrier, where a tree over the
// workgroup took eight: on a CPU adapter (lavapipe) barriers cost more
// than the short loop. Every invocation calls it (it has a barrier).
fn channel(c: u32, t: u32) -> Stats {
    if (t == 0u) {
        var s = Stats(0.0, 0.0, 0.0);
        for (var j = 0u; j < p.parts; j++) {
            let k = partAt(c, j);
            let n = f32(min(p.chunk, p.total - j * p.chunk));
            s = merge(s, Stats(n, part[k], part[k + 1u]));
        }
        chStats[0] = s.n;
        chStats[1] = s.m;
        chStats[2] = s.q;
    }
    let r = workgroupUniformLoad(&chStats);
    return Stats(r[0], r[1], r[2]);
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
