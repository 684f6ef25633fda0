// loss_weighted_sum: sums of weighted [1] losses, up to seven per dispatch
// (bindings l0 .. l6, weights w0 .. w6, the first p.k of them used; eight
// storage bindings are the most every adapter gives a stage), by one
// invocation in a fixed order.
struct P { k: u32, off: u32, w0: f32, w1: f32, w2: f32, w3: f32, w4: f32, w5: f32, w6: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> l0: array<f32>;
@group(0) @binding(3) var<storage, read_write> l1: array<f32>;
@group(0) @binding(4) var<storage, read_write> l2: array<f32>;
@group(0) @binding(5) var<storage, read_write> l3: array<f32>;
@group(0) @binding(6) var<storage, read_write> l4: array<f32>;
@group(0) @binding(7) var<storage, read_write> l5: array<f32>;
@group(0) @binding(8) var<storage, read_write> l6: array<f32>;

// term returns the weighted loss i < p.k.
fn term(i: u32) -> f32 {
    switch i {
        case 0u: { return p.w0 * l0[0]; }
        case 1u: { return p.w1 * l1[0]; }
        case 2u: { return p.w2 * l2[0]; }
        case 3u: { return p.w3 * l3[0]; }
        case 4u: { return p.w4 * l4[0]; }
        case 5u: { return p.w5 * l5[0]; }
        default: { return p.w6 * l6[0]; }
    }
}

// main: d[0] = sum of the p.k terms, in order. d may alias a loss.
@compute @workgroup_size(1)
fn main() {
    var s = 0.0;
    for (var i = 0u; i < p.k; i++) {
        s += term(i);
    }
    d[0] = s;
}

// gather: d[p.off + i] = term i, for more than seven losses.
@compute @workgroup_size(1)
fn gather() {
    for (var i = 0u; i < p.k; i++) {
        d[p.off + i] = term(i);
    }
}

// total: d[0] = sum of l0[0 .. p.k), in order.
@compute @workgroup_size(1)
fn total() {
    var s = 0.0;
    for (var i = 0u; i < p.k; i++) {
        s += l0[i];
    }
    d[0] = s;
}
