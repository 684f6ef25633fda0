// loss: cross-entropy over logits x [n, c] with labels [n], and the batch
// mean shared with loss_focal.
//
// ce_rows and ce_backward run one workgroup per row (row r = workgroup
// x + y * p.wrow); the row's max and sum of exponentials are tree
// reductions in workgroup memory, so results do not depend on timing.
// A label outside [0, c) poisons its row with NaN and is recorded in st
// (see flag) for the host to report.
struct P { n: u32, c: u32, wrow: u32, op: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> labels: array<i32>;
@group(0) @binding(4) var<storage, read_write> st: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> dl: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, 64>;

// flag records a bad label of row r: st[0] keeps the largest ~r, that is
// the first bad row, st[1] a bit per operation (p.op).
fn flag(r: u32) {
    atomicMax(&st[0], ~r);
    atomicOr(&st[1], 1u << p.op);
}

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

// rowMax returns the largest of x[base .. base+c) to every invocation.
fn rowMax(base: u32, t: u32) -> f32 {
    var m = bitcast<f32>(0xff800000u); // -inf
    for (var j = t; j < p.c; j += WG) {
        m = max(m, x[base + j]);
    }
    red[t] = m;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (t < s) {
            red[t] = max(red[t], red[t + s]);
        }
        workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
}

// rowSumExp returns the sum of exp(x - m) over the row to every invocation.
fn rowSumExp(base: u32, t: u32, m: f32) -> f32 {
    var s = 0.0;
    for (var j = t; j < p.c; j += WG) {
        s += exp(x[base + j] - m);
    }
    red[t] = s;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
        if (t < k) {
            red[t] += red[t + k];
        }
        workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
}

// ce_rows: d[r] = logsumexp(x[r]) - x[r, label], as (max - x[label]) +
// log(sum exp(x - max)) so that large logits keep their precision.
@compute @workgroup_size(64)
fn ce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let r = wid.x + wid.y * p.wrow;
    if (r >= p.n) {
        return;
    }
    let base = r * p.c;
    let m = rowMax(base, t);
    let s = rowSumExp(base, t, m);
    if (t == 0u) {
        let y = labels[r];
        if (y < 0 || u32(y) >= p.c) {
            flag(r);
            d[r] = nan();
        } else {
            d[r] = (m - x[base + u32(y)]) + log(s);
        }
    }
}

// ce_backward: d = dl[0] * (softmax(x) - onehot(label)) / n. Each
// invocation writes only the elements it read last, so d may alias x.
@compute @workgroup_size(64)
fn ce_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let r = wid.x + wid.y * p.wrow;
    if (r >= p.n) {
        return;
    }
    let base = r * p.c;
    let m = rowMax(base, t);
    let s = rowSumExp(base, t, m);
    let y = labels[r];
    let bad = y < 0 || u32(y) >= p.c;
    if (bad && t == 0u) {
        flag(r);
    }
    let scale = dl[0] / f32(p.n);
    for (var j = t; j < p.c; j += WG) {
        var q = exp(x[base + j] - m) / s;
        if (i32(j) == y) {
            q -= 1.0;
        }
        d[base + j] = select(q * scale, nan(), bad);
    }
}

var<workgroup> sum: array<f32, 256>;

// mean: d[0] = (sum of x[0 .. n)) / n by one workgroup: each invocation
// sums a strided slice, then a tree sums the slices.
@compute @workgroup_size(256)
fn mean(@builtin(local_invocation_index) t: u32) {
    var s = 0.0;
    for (var i = t; i < p.n; i += 256u) {
        s += x[i];
    }
    sum[t] = s;
    workgroupBarrier();
    for (var k = 128u; k > 0u; k >>= 1u) {
        if (t < k) {
            sum[t] += sum[t + k];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        d[0] = sum[0] / f32(p.n);
    }
}
