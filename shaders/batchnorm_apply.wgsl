// batchnorm_apply: batch norm's evaluation forward,
// y = (x - a[c]) * gamma[c] * inv[c] + beta[c] over x [N,C,H,W]
// flattened, with c = (i / hw) % C, a the running mean and
// inv = 1/sqrt(b[c] + eps), b the running variance (the training forward
// is batchnorm_train.wgsl's). eval_relu writes relu(y) instead: batch
// norm fused with the ReLU after it, NaN kept as elementwise_unary.wgsl's
// relu keeps it. eval_relu_pool also fuses the k x k max pooling after
// the ReLU: one invocation per pooled output of planes w wide, the
// window's maximum as maxpool.wgsl picks it.
struct P { n: u32, row: u32, C: u32, hw: u32, w: u32, k: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> a: array<f32>;
@group(0) @binding(4) var<storage, read_write> b: array<f32>;
@group(0) @binding(5) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> beta: array<f32>;

@compute @workgroup_size(256)
fn eval(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        let inv = 1.0 / sqrt(b[c] + p.eps);
        y_st(i, (x_ld(i) - a[c]) * (gamma[c] * inv) + beta[c]);
    }
}

// isNaN tests the bits, which no fast-math assumption can fold away.
fn isNaN(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// relu is elementwise_unary.wgsl's: v where v > 0 or v is NaN, else 0.
fn relu(v: f32) -> f32 {
    return select(0.0, v, v > 0.0 || isNaN(v));
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

@compute @workgroup_size(256)
fn eval_relu_pool(@builtin(global_invocation_id) id: vec3<u32>) {
    let o = id.x + id.y * p.row;
    if (o >= p.n) {
        return;
    }
    let oh = p.hw / p.w / p.k;
    let ow = p.w / p.k;
    let plane = o / (oh * ow);
    let r = o % (oh * ow);
    let c = plane % p.C;
    let g = gamma[c] * (1.0 / sqrt(b[c] + p.eps));
    let y0 = r / ow * p.k;
    let x0 = r % ow * p.k;
    let base = plane * p.hw;
    var top = relu((x_ld(base + y0 * p.w + x0) - a[c]) * g + beta[c]);
    for (var i = 0u; i < p.k; i++) {
        for (var j = 0u; j < p.k; j++) {
            let v = relu((x_ld(base + (y0 + i) * p.w + x0 + j) - a[c]) * g + beta[c]);
            if (v > top || isNaN(v)) {
                top = v;
            }
        }
    }
    y_st(o, top);
}
