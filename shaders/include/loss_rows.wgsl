// loss_rows (snippet): what the row-wise losses over logits x [n, c] with
// labels [n] share (loss_cross_entropy.wgsl and loss_focal.wgsl): their
// parameter block, their bindings, and the handling of a label outside
// [0, c), which poisons its row with NaN and is recorded in st for the
// host to report.
//
// Bindings: 1 d, the output (row losses or the logits' gradient); 2 x;
// 3 labels; 4 st, the label record (see flag); 5 dl, the gradient of the
// mean loss (backward passes).

struct P {
    n: u32, c: u32,          // rows and classes
    wrow: u32,               // workgroups per grid row (one workgroup per row)
    op: u32,                 // the operation's bit in st[1]
    gamma: f32, alpha: f32,  // the focal loss's parameters
    row: u32,                // invocations per grid row (one invocation per logit)
    smoothing: f32,          // the cross-entropy's label smoothing eps
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> labels: array<i32>;
@group(0) @binding(4) var<storage, read_write> st: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> dl: array<f32>;

// outside reports whether label y is outside the classes.
fn outside(y: i32) -> bool {
    return y < 0 || u32(y) >= p.c;
}

// flag records a bad label of row r: st[0] keeps the largest ~r, that is
// the first bad row, st[1] a bit per operation (p.op).
fn flag(r: u32) {
    atomicMax(&st[0], ~r);
    atomicOr(&st[1], 1u << p.op);
}

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

// groupRow returns the row of a workgroup that computes one row.
fn groupRow(wid: vec3<u32>) -> u32 {
    return wid.x + wid.y * p.wrow;
}

// putRow writes row r's loss v to d[r], or, when the row's label y is
// outside the classes, NaN, and flags the row.
fn putRow(r: u32, y: i32, v: f32) {
    if (outside(y)) {
        flag(r);
        d[r] = nan();
    } else {
        d[r] = v;
    }
}
