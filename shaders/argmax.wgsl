// argmax: pred[r] = index of the first largest of x[r, 0 .. c), one
// invocation per row r < n (r = id.x + id.y * p.row), scanning in order
// as the CPU reference does: a later element wins only when strictly
// greater, so ties go to the first and NaN never wins after column 0.
struct P { n: u32, row: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> pred: array<i32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let r = id.x + id.y * p.row;
    if (r >= p.n) {
        return;
    }
    let base = r * p.c;
    var best = 0u;
    var bv = x[base];
    for (var j = 1u; j < p.c; j++) {
        let v = x[base + j];
        if (v > bv) {
            best = j;
            bv = v;
        }
    }
    pred[r] = i32(best);
}
