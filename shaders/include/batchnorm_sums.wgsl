// batchnorm_sums (snippet): the second pass of batch norm's backward
// combines a channel's per-chunk sums, which the first pass wrote, in
// every workgroup: batchnorm_dx.wgsl and batchnorm_pool_dx.wgsl. The
// including module declares the parameter block
// (include/batchnorm_chunks.wgsl), the storage buffer part and
// include/tree.wgsl.

// channelSums returns channel c's (sum(dy), sum(dy * xhat)) to every
// invocation: invocation t adds chunks t, t + WG, ... in order, then a
// tree adds the invocations'. Every invocation calls it (it has
// barriers).
fn channelSums(c: u32, t: u32) -> vec2<f32> {
    var sdy = 0.0;
    var sdyx = 0.0;
    for (var j = t; j < p.parts; j += WG) {
        let k = partAt(c, j);
        sdy += part[k];
        sdyx += part[k + 1u];
    }
    let sumDy = treeSum(t, sdy);
    return vec2<f32>(sumDy, treeSum(t, sdyx));
}
