// batchnorm_sums (snippet): the second pass of batch norm's backward
// combines a channel's per-chunk sums, which the first pass wrote, in
// every workgroup: batchnorm_dx.wgsl and batchnorm_pool_dx.wgsl. The
// including module declares the parameter block
// (include/batchnorm_chunks.wgsl) and the storage buffer part.

// chSums is where invocation 0 leaves the channel's sums for the others.
var<workgroup> chSums: array<f32, 2>;

// channelSums returns channel c's (sum(dy), sum(dy * xhat)) to every
// invocation: invocation 0 adds the chunks' sums in chunk order (a
// channel has a few to a few hundred chunks), then a barrier shares them.
// One barrier, where a tree over the workgroup took eight per sum: on a
// CPU adapter (lavapipe) barriers cost more than the short loop. Every
// invocation calls it (it has a barrier).
fn channelSums(c: u32, t: u32) -> vec2<f32> {
    if (t == 0u) {
        var s = vec2<f32>(0.0, 0.0);
        for (var j = 0u; j < p.parts; j++) {
            let k = partAt(c, j);
            s += vec2<f32>(part[k], part[k + 1u]);
        }
        chSums[0] = s.x;
        chSums[1] = s.y;
    }
    let r = workgroupUniformLoad(&chSums);
    return vec2<f32>(r[0], r[1]);
}
