// dropout: y[i] = x[i] * scale where the counter-based hash of first + i
// keeps it, else 0, for every i < n (first: where a slice of a tensor too
// large for one binding starts). The step key, the 24-bit threshold and the
// scale come from the host (ops.DropoutStepKey, ops.DropoutThreshold,
// ops.DropoutScale), so the mask is the CPU backend's bit for bit. y may
// alias x: each invocation reads its element before writing it.
struct P { n: u32, row: u32, key: u32, threshold: u32, scale: f32, first: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

// mix32 is ops.mix32 (Wellons' lowbias32); u32 products wrap as Go's do.
fn mix32(v: u32) -> u32 {
    var h = v;
    h ^= h >> 16u;
    h *= 0x7feb352du;
    h ^= h >> 15u;
    h *= 0x846ca68bu;
    h ^= h >> 16u;
    return h;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let keep = (mix32(p.key ^ (i + p.first)) >> 8u) >= p.threshold;
        y_st(i, select(0.0, x_ld(i) * p.scale, keep));
    }
}
