// sgd: one torch.optim.SGD step in place, element i < n
// (i = id.x + id.y * p.row), in the order of float32 operations of
// ops.SGDConsts, with the step's constants computed on the host:
//
//	d = g + wd*w
//	b = d  (first)  or  b = momentum*b + d      (when use_momentum != 0)
//	d = d + momentum*b  (nesterov)  or  d = b   (when use_momentum != 0)
//	w = w - lr*d
//
// With p.guarded != 0, binding 4 holds the guard (ops.SGDSpec.Guard):
// when it is Inf or NaN (all exponent bits set) nothing is updated.
struct P {
    n: u32, row: u32,
    lr: f32, momentum: f32, wd: f32,
    use_momentum: u32, nesterov: u32, first: u32, guarded: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> guard: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (p.guarded != 0u && (bitcast<u32>(guard[0]) & 0x7f800000u) == 0x7f800000u) {
        return;
    }
    if (i < p.n) {
        let wi = w[i];
        var d = g[i] + p.wd * wi;
        if (p.use_momentum != 0u) {
            var bi = d;
            if (p.first == 0u) {
                bi = p.momentum * b[i] + d;
            }
            b[i] = bi;
            if (p.nesterov != 0u) {
                d = d + p.momentum * bi;
            } else {
                d = bi;
            }
        }
        w[i] = wi - p.lr * d;
    }
}
