//!include loss_rows
//!include tree
// loss_focal: the tutorial's one-vs-rest sigmoid focal loss over logits
// x [n, c] with labels [n] (docs/SPEC.md §3; parameters and bindings in
// include/loss_rows.wgsl). For target t = 1 (the label's column) s = +1
// and w = alpha, else s = -1 and w = 1-alpha; with z = s*x,
// pt = sigmoid(z), q = 1 - pt:
//
//	loss = -q^gamma * log(pt) * w
//	dloss/dx = w * s * q^gamma * (gamma * pt * log(pt) - q)
//
// pt, q and log(pt) come from e = exp(-|z|) without cancellation.

// log1p returns log(1 + u) for u in [0, 1] as 2*atanh(u / (2 + u)): the
// series in v = u/(2+u) <= 1/3 reaches float32 precision in nine terms,
// with no cancellation for small u.
fn log1p(u: f32) -> f32 {
    let v = u / (2.0 + u);
    let v2 = v * v;
    var s = 1.0 / 17.0;
    s = s * v2 + 1.0 / 15.0;
    s = s * v2 + 1.0 / 13.0;
    s = s * v2 + 1.0 / 11.0;
    s = s * v2 + 1.0 / 9.0;
    s = s * v2 + 1.0 / 7.0;
    s = s * v2 + 1.0 / 5.0;
    s = s * v2 + 1.0 / 3.0;
    s = s * v2 + 1.0;
    return 2.0 * v * s;
}

// modulate returns q^gamma, with q^0 = 1 (also for q = 0) and whole
// powers up to 16 by repeated multiplication.
fn modulate(q: f32) -> f32 {
    let g = p.gamma;
    if (g == 0.0) {
        return 1.0;
    }
    if (q == 0.0) {
        return 0.0;
    }
    if (g == floor(g) && g <= 16.0) {
        var r = 1.0;
        for (var k = 0; k < i32(g); k++) {
            r *= q;
        }
        return r;
    }
    return pow(q, g);
}

// Term is one logit's loss and derivative.
struct Term { loss: f32, grad: f32 }

fn term(xv: f32, hit: bool) -> Term {
    var s = -1.0;
    var w = 1.0 - p.alpha;
    if (hit) {
        s = 1.0;
        w = p.alpha;
    }
    let z = s * xv;
    let e = exp(-abs(z));
    let logpt = min(z, 0.0) - log1p(e);
    var pt = 1.0 / (1.0 + e);
    var q = e / (1.0 + e);
    if (z < 0.0) {
        let t = pt;
        pt = q;
        q = t;
    }
    let m = modulate(q);
    return Term(-m * logpt * w, w * s * m * (p.gamma * pt * logpt - q));
}

const WG = 64u;

// rows: d[r] = sum over the row's classes of the focal loss, one
// workgroup per row (r = workgroup x + y * p.wrow), summed by treeSum.
@compute @workgroup_size(64)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let r = groupRow(wid);
    if (r >= p.n) {
        return;
    }
    let base = r * p.c;
    let y = labels[r];
    var s = 0.0;
    for (var j = t; j < p.c; j += WG) {
        s += term(x[base + j], i32(j) == y).loss;
    }
    let sum = treeSum(t, s);
    if (t == 0u) {
        putRow(r, y, sum);
    }
}

// backward: d = dl[0] / n * dloss/dx, one invocation per element
// (i = id.x + id.y * p.row), so d may alias x.
@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i >= p.n * p.c) {
        return;
    }
    let r = i / p.c;
    let j = i % p.c;
    let y = labels[r];
    if (outside(y)) {
        if (j == 0u) {
            flag(r);
        }
        d[i] = nan();
        return;
    }
    d[i] = term(x[i], i32(j) == y).grad * (dl[0] / f32(p.n));
}
