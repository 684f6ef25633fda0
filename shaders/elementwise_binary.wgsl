// elementwise_binary: d[i] = f(a[i], b[i]) for every i < n: add, and
// relu_backward (ReLU's backward pass). Every storage binding is
// read_write so that d may alias a or b.
struct P { n: u32, row: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> b: array<f32>;

@compute @workgroup_size(256)
fn add(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        d_st(i, a_ld(i) + b_ld(i));
    }
}

// relu_backward: dx = dy where the forward output y > 0 or is NaN (tested
// on the bits, as relu does), else 0 (a = y, b = dy).
@compute @workgroup_size(256)
fn relu_backward(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let y = a_ld(i);
        d_st(i, select(0.0, b_ld(i), y > 0.0 || (bitcast<u32>(y) & 0x7fffffffu) > 0x7f800000u));
    }
}
