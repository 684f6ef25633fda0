// batchnorm_apply: y = (x - mean[c]) * gamma[c] * inv[c] + beta[c] over
// x [N,C,H,W] flattened, with c = (i / hw) % C. train takes the batch's
// saved mean and inverse standard deviation (a, b); eval takes the running
// mean and variance and computes inv = 1/sqrt(var + eps). train_relu and
// eval_relu write relu(y) instead: batch norm fused with the ReLU after
// it, NaN kept as elementwise_unary.wgsl's relu keeps it.
struct P { n: u32, row: u32, C: u32, hw: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> a: array<f32>;
@group(0) @binding(4) var<storage, read_write> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> beta: array<f32>;

@compute @workgroup_size(256)
fn train(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        y_st(i, (x_ld(i) - a[c]) * (gamma[c] * b[c]) + beta[c]);
    }
}

@compute @workgroup_size(256)
fn eval(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        let inv = 1.0 / sqrt(b[c] + p.eps);
        y_st(i, (x_ld(i) - a[c]) * (gamma[c] * inv) + beta[c]);
    }
}

// relu is elementwise_unary.wgsl's: v where v > 0 or v is NaN (tested on
// the bits), else 0.
fn relu(v: f32) -> f32 {
    return select(0.0, v, v > 0.0 || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

@compute @workgroup_size(256)
fn train_relu(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        y_st(i, relu((x_ld(i) - a[c]) * (gamma[c] * b[c]) + beta[c]));
    }
}

@compute @workgroup_size(256)
fn eval_relu(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        let inv = 1.0 / sqrt(b[c] + p.eps);
        y_st(i, relu((x_ld(i) - a[c]) * (gamma[c] * inv) + beta[c]));
    }
}
