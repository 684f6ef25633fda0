//!include loss_rows
//!include tree
// loss_cross_entropy: cross-entropy with label smoothing eps = p.smoothing
// (nn.CrossEntropyLoss(label_smoothing=eps)) over logits x [n, c] with
// labels [n] (parameters and bindings in include/loss_rows.wgsl).
//
// rows and backward run one workgroup per row (row r = workgroup
// x + y * p.wrow); the row's max and sum of exponentials are tree
// reductions in workgroup memory (include/tree.wgsl), so results do not
// depend on timing.

const WG = 64u;

// rowMax returns the largest of x[base .. base+c) to every invocation.
fn rowMax(base: u32, t: u32) -> f32 {
    var m = bitcast<f32>(0xff800000u); // -inf
    for (var j = t; j < p.c; j += WG) {
        m = max(m, x[base + j]);
    }
    return treeMax(t, m);
}

// rowSumExp returns the sum of exp(x - m) over the row to every invocation.
fn rowSumExp(base: u32, t: u32, m: f32) -> f32 {
    var s = 0.0;
    for (var j = t; j < p.c; j += WG) {
        s += exp(x[base + j] - m);
    }
    return treeSum(t, s);
}

// Row is a row's offset in x and its softmax statistics: the largest
// logit and the sum of exp(x - max).
struct Row { base: u32, m: f32, s: f32 }

fn softmaxRow(r: u32, t: u32) -> Row {
    let base = r * p.c;
    let m = rowMax(base, t);
    return Row(base, m, rowSumExp(base, t, m));
}

// rowSum returns the sum of x[base .. base+c) to every invocation.
fn rowSum(base: u32, t: u32) -> f32 {
    var s = 0.0;
    for (var j = t; j < p.c; j += WG) {
        s += x[base + j];
    }
    return treeSum(t, s);
}

// rows: d[r] = (1-eps)*(lse - x[r, label]) + eps*(lse - mean(x[r])) with
// lse = logsumexp(x[r]), as (1-eps)*(max - x[label]) + eps*(max - mean) +
// log(sum exp(x - max)) so that large logits keep their precision; with
// eps 0 the row's sum is not read. (A label outside the classes reads
// x[r, label % c], which putRow discards.)
@compute @workgroup_size(64)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let r = groupRow(wid);
    if (r >= p.n) {
        return;
    }
    let row = softmaxRow(r, t);
    var spread = 0.0;
    if (p.smoothing != 0.0) {
        spread = p.smoothing * (row.m - rowSum(row.base, t) / f32(p.c));
    }
    if (t == 0u) {
        let y = labels[r];
        putRow(r, y, (1.0 - p.smoothing) * (row.m - x[row.base + u32(y) % p.c]) + spread + log(row.s));
    }
}

// backward: d = dl[0] * (softmax(x) - target) / n with target =
// (1-eps)*onehot(label) + eps/c. Each invocation
// writes only the elements it read last, so d may alias x.
@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let r = groupRow(wid);
    if (r >= p.n) {
        return;
    }
    let row = softmaxRow(r, t);
    let y = labels[r];
    let bad = outside(y);
    if (bad && t == 0u) {
        flag(r);
    }
    let scale = dl[0] / f32(p.n);
    for (var j = t; j < p.c; j += WG) {
        var q = exp(x[row.base + j] - row.m) / row.s - p.smoothing / f32(p.c);
        if (i32(j) == y) {
            q -= 1.0 - p.smoothing;
        }
        d[row.base + j] = select(q * scale, nan(), bad);
    }
}
