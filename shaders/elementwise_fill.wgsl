// elementwise_fill: t[i] = v for every i < n (Fill, and the zeroing of
// pooled buffers).
struct P { n: u32, row: u32, v: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> t: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        t_st(i, p.v);
    }
}
