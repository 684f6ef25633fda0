//!include tree
// loss_mean: d[0] = (sum of x[0 .. n)) / n, the batch mean of the row
// losses that loss_cross_entropy.wgsl and loss_focal.wgsl write, by one
// workgroup: each invocation sums a strided slice, then treeSum
// (include/tree.wgsl) sums the slices.
struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

const WG = 256u;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
    var s = 0.0;
    for (var i = t; i < p.n; i += WG) {
        s += x[i];
    }
    let sum = treeSum(t, s);
    if (t == 0u) {
        d[0] = sum / f32(p.n);
    }
}
