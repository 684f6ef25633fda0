// elementwise_unary: y[i] = f(x[i]) for every i < n: copy, scale
// (y = a*x) and relu (ReLU's forward pass). Every storage binding is
// read_write so that y may alias x.
struct P { n: u32, row: u32, a: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(256)
fn copy(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        y_st(i, x_ld(i));
    }
}

@compute @workgroup_size(256)
fn scale(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        y_st(i, p.a * x_ld(i));
    }
}

// relu keeps NaN, tested on the bits: a compiler that assumes no NaN may
// fold !(v <= 0) into v > 0, and NVIDIA's Vulkan driver did, which turned a
// NaN activation into 0 and hid a non-finite loss from the guard.
@compute @workgroup_size(256)
fn relu(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let v = x_ld(i);
        y_st(i, select(0.0, v, v > 0.0 || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u));
    }
}
