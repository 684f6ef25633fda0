// adam: one bias-corrected Adam step in place, element i < n
// (i = id.x + id.y * p.row), in PyTorch's order of float32 operations
// with the step's constants computed on the host (ops.AdamConsts):
//
//	w = w*decay                  (AdamW; decay is 1 otherwise)
//	g = g + wd*w                 (Adam's L2 penalty; wd is 0 otherwise)
//	m = beta1*m + (1-beta1)*g
//	v = beta2*v + (1-beta2)*g*g
//	p = p - step * (m / (sqrt(v)/sqrt_bias2 + eps))
//
// With p.guarded != 0, binding 5 holds the guard (ops.AdamSpec.Guard):
// when it is Inf or NaN (all exponent bits set) nothing is updated.
struct P {
    n: u32, row: u32,
    beta1: f32, beta2: f32, omb1: f32, omb2: f32,
    step: f32, sqrt_bias2: f32, eps: f32, guarded: u32,
    decay: f32, wd: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> guard: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (p.guarded != 0u && (bitcast<u32>(guard[0]) & 0x7f800000u) == 0x7f800000u) {
        return;
    }
    if (i < p.n) {
        let wi = w[i] * p.decay;
        let gi = g[i] + p.wd * wi;
        let mi = p.beta1 * m[i] + p.omb1 * gi;
        let vi = p.beta2 * v[i] + p.omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        let denom = sqrt(vi) / p.sqrt_bias2 + p.eps;
        w[i] = wi - p.step * (mi / denom);
    }
}
