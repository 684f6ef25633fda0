// gemm: tiled matrix products for convolution and linear layers.
//
// Every entry point computes an m x n output C = A B reduced over k, where
// A (m x k) and B (k x n) are gathered from the operands on the fly (the
// im2col matrix of a convolution is never stored). A workgroup of 256
// invocations computes one tm x tn tile of C (32 x 128, 64 x 64 or
// 128 x 32, chosen by the host), each invocation a 4 x 4
// block of it: rows ty + r*tm/4 and columns tx + c*tn/4. The reduction
// runs in slices of TK = 16: the workgroup stages the slice of A
// (tm x TK) and of B (TK x tn) in workgroup memory, then every
// invocation updates its 16 sums from it.
//
// A product may take several dispatches: workgroup_id.x is the column
// tile - tj0, workgroup_id.y is (split - s0) * rows + (row tile - ti0).
// Split-K: split s reduces k in [s*kc, min((s+1)*kc, k)) and writes its
// partial output at offset s*numel of binding 1; gemm_sum.wgsl adds the
// splits in a fixed order. With one split the entry points write the
// output directly, with the bias when p.bias is 1.
//
// Bindings: 1 the output (or the splits' partial outputs), 2 and 3 the
// operands as each entry point says, 4 the bias. All read_write so that
// the layout is one for every entry point.

struct P {
    m: u32, n: u32, k: u32,         // output rows, columns, reduction length
    tm: u32, tn: u32, kc: u32,      // tile rows and columns, reduction per split
    rows: u32, ti0: u32, tj0: u32,  // row tiles in this dispatch, first row and column tile
    s0: u32,                        // first split in this dispatch
    numel: u32, bias: u32,          // output elements (distance between splits), add the bias
    // Convolution geometry: x [bn, c, h, w], w [o, c, kh, kw], y [bn, o, oh, ow].
    bn: u32, c: u32, h: u32, w: u32, o: u32, kh: u32, kw: u32,
    oh: u32, ow: u32, stride: u32, pad: u32,
    // Linear: A[i, k] = a[i*sam + k*sak], B[k, j] = b[k*sbk + j*sbn].
    sam: u32, sak: u32, sbk: u32, sbn: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> bias: array<f32>;

const TK = 16u;

// The staged slices: A at [kk*tm + row], B after it at [TK*tm + kk*tn + col].
// TK * (tm + tn) is at most 16 * 160 floats (10 KiB).
var<workgroup> sh: array<f32, 2560>;

// Where a workgroup's tile lies; uniform over the workgroup.
struct Tile {
    i0: u32, j0: u32,  // first output row and column
    kb: u32, ke: u32,  // reduction range of this split
    part: u32,         // offset of this split's output
}

fn tileOf(wid: vec3<u32>) -> Tile {
    var t: Tile;
    let split = p.s0 + wid.y / p.rows;
    t.i0 = (p.ti0 + wid.y % p.rows) * p.tm;
    t.j0 = (p.tj0 + wid.x) * p.tn;
    t.kb = split * p.kc;
    t.ke = min(t.kb + p.kc, p.k);
    t.part = split * p.numel;
    return t;
}

// mac adds the staged slice's products to an invocation's 4 x 4 sums.
// The slice's 16 products are summed apart and then added to the running
// sums: this blocked order keeps f32 rounding small on long reductions
// (a filter gradient sums over every output pixel of the batch).
fn mac(acc: ptr<function, array<vec4<f32>, 4>>, lid: u32) {
    let qm = p.tm / 4u;
    let qn = p.tn / 4u;
    let ty = lid / qn;
    let tx = lid % qn;
    let boff = TK * p.tm + tx;
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    for (var kk = 0u; kk < TK; kk++) {
        let ar = kk * p.tm + ty;
        let br = boff + kk * p.tn;
        let bv = vec4<f32>(sh[br], sh[br + qn], sh[br + 2u * qn], sh[br + 3u * qn]);
        s0 += sh[ar] * bv;
        s1 += sh[ar + qm] * bv;
        s2 += sh[ar + 2u * qm] * bv;
        s3 += sh[ar + 3u * qm] * bv;
    }
    (*acc)[0] += s0;
    (*acc)[1] += s1;
    (*acc)[2] += s2;
    (*acc)[3] += s3;
}

// Output row r (0..3) and column c (0..3) of an invocation.
fn rowOf(t: Tile, lid: u32, r: u32) -> u32 {
    return t.i0 + lid / (p.tn / 4u) + r * (p.tm / 4u);
}

fn colOf(t: Tile, lid: u32, c: u32) -> u32 {
    return t.j0 + lid % (p.tn / 4u) + c * (p.tn / 4u);
}

// conv_fwd: y = conv(x, w) + bias. Rows are output channels o, columns
// output pixels j = (image, oy, ox), k = (ci, ky, kx).
// a = w [o, k], b = x (gathered), dst = y.
@compute @workgroup_size(256)
fn conv_fwd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = tileOf(wid);
    let khw = p.kh * p.kw;
    let ohw = p.oh * p.ow;
    // This invocation stages column nl of B at rows kl0, kl0 + 256/tn, ...
    let nl = lid % p.tn;
    let kl0 = lid / p.tn;
    let j = t.j0 + nl;
    let img = j / ohw;
    let pix = j % ohw;
    let iy0 = i32((pix / p.ow) * p.stride) - i32(p.pad);
    let ix0 = i32((pix % p.ow) * p.stride) - i32(p.pad);
    let xb = img * p.c * p.h * p.w;
    var acc: array<vec4<f32>, 4>;
    for (var k0 = t.kb; k0 < t.ke; k0 += TK) {
        for (var e = lid; e < TK * p.tm; e += 256u) {
            let o = t.i0 + e / TK;
            let k = k0 + e % TK;
            var v = 0.0;
            if (o < p.m && k < t.ke) {
                v = a[o * p.k + k];
            }
            sh[(e % TK) * p.tm + e / TK] = v;
        }
        for (var kl = kl0; kl < TK; kl += 256u / p.tn) {
            let k = k0 + kl;
            var v = 0.0;
            if (j < p.n && k < t.ke) {
                let ci = k / khw;
                let r = k % khw;
                let iy = iy0 + i32(r / p.kw);
                let ix = ix0 + i32(r % p.kw);
                if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
                    v = b[xb + (ci * p.h + u32(iy)) * p.w + u32(ix)];
                }
            }
            sh[TK * p.tm + kl * p.tn + nl] = v;
        }
        workgroupBarrier();
        mac(&acc, lid);
        workgroupBarrier();
    }
    for (var c = 0u; c < 4u; c++) {
        let jj = colOf(t, lid, c);
        if (jj >= p.n) {
            continue;
        }
        let base = (jj / ohw) * p.m * ohw + jj % ohw;
        for (var r = 0u; r < 4u; r++) {
            let o = rowOf(t, lid, r);
            if (o < p.m) {
                var v = acc[r][c];
                if (p.bias != 0u) {
                    v += bias[o];
                }
                dst[t.part + base + o * ohw] = v;
            }
        }
    }
}

// conv_bwd_data: dx = the transpose of conv applied to dy, as a gather:
// dx[img, ci, iy, ix] = sum over (o, ky, kx) of w[o, ci, ky, kx] *
// dy[img, o, oy, ox] where oy*stride - pad + ky = iy (same for x). Rows
// are input channels ci, columns input pixels j = (image, iy, ix),
// k = (o, ky, kx). a = w, b = dy (gathered), dst = dx.
@compute @workgroup_size(256)
fn conv_bwd_data(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = tileOf(wid);
    let khw = p.kh * p.kw;
    let hw = p.h * p.w;
    let nl = lid % p.tn;
    let kl0 = lid / p.tn;
    let j = t.j0 + nl;
    let img = j / hw;
    let pix = j % hw;
    let ty0 = i32(pix / p.w + p.pad);
    let tx0 = i32(pix % p.w + p.pad);
    let yb = img * p.o * p.oh * p.ow;
    let s = i32(p.stride);
    var acc: array<vec4<f32>, 4>;
    for (var k0 = t.kb; k0 < t.ke; k0 += TK) {
        for (var e = lid; e < TK * p.tm; e += 256u) {
            let ci = t.i0 + e / TK;
            let k = k0 + e % TK;
            var v = 0.0;
            if (ci < p.m && k < t.ke) {
                v = a[((k / khw) * p.c + ci) * khw + k % khw];
            }
            sh[(e % TK) * p.tm + e / TK] = v;
        }
        for (var kl = kl0; kl < TK; kl += 256u / p.tn) {
            let k = k0 + kl;
            var v = 0.0;
            if (j < p.n && k < t.ke) {
                let o = k / khw;
                let r = k % khw;
                let ty = ty0 - i32(r / p.kw);
                let tx = tx0 - i32(r % p.kw);
                if (ty >= 0 && tx >= 0 && ty % s == 0 && tx % s == 0) {
                    let oy = u32(ty / s);
                    let ox = u32(tx / s);
                    if (oy < p.oh && ox < p.ow) {
                        v = b[yb + (o * p.oh + oy) * p.ow + ox];
                    }
                }
            }
            sh[TK * p.tm + kl * p.tn + nl] = v;
        }
        workgroupBarrier();
        mac(&acc, lid);
        workgroupBarrier();
    }
    for (var c = 0u; c < 4u; c++) {
        let jj = colOf(t, lid, c);
        if (jj >= p.n) {
            continue;
        }
        let base = (jj / hw) * p.m * hw + jj % hw;
        for (var r = 0u; r < 4u; r++) {
            let ci = rowOf(t, lid, r);
            if (ci < p.m) {
                dst[t.part + base + ci * hw] = acc[r][c];
            }
        }
    }
}

// conv_bwd_filter: dw[o, (ci, ky, kx)] = sum over (image, oy, ox) of
// dy[image, o, oy, ox] * x[image, ci, oy*stride - pad + ky, ...]. Rows are
// output channels o, columns j = (ci, ky, kx), k = (image, oy, ox).
// a = dy, b = x (gathered), dst = dw.
@compute @workgroup_size(256)
fn conv_bwd_filter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = tileOf(wid);
    let khw = p.kh * p.kw;
    let ohw = p.oh * p.ow;
    let nl = lid % p.tn;
    let kl0 = lid / p.tn;
    let j = t.j0 + nl;
    let ci = j / khw;
    let r = j % khw;
    let ky = i32(r / p.kw) - i32(p.pad);
    let kx = i32(r % p.kw) - i32(p.pad);
    var acc: array<vec4<f32>, 4>;
    for (var k0 = t.kb; k0 < t.ke; k0 += TK) {
        for (var e = lid; e < TK * p.tm; e += 256u) {
            let o = t.i0 + e / TK;
            let k = k0 + e % TK;
            var v = 0.0;
            if (o < p.m && k < t.ke) {
                v = a[((k / ohw) * p.m + o) * ohw + k % ohw];
            }
            sh[(e % TK) * p.tm + e / TK] = v;
        }
        for (var kl = kl0; kl < TK; kl += 256u / p.tn) {
            let k = k0 + kl;
            var v = 0.0;
            if (j < p.n && k < t.ke) {
                let img = k / ohw;
                let pix = k % ohw;
                let iy = i32((pix / p.ow) * p.stride) + ky;
                let ix = i32((pix % p.ow) * p.stride) + kx;
                if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
                    v = b[((img * p.c + ci) * p.h + u32(iy)) * p.w + u32(ix)];
                }
            }
            sh[TK * p.tm + kl * p.tn + nl] = v;
        }
        workgroupBarrier();
        mac(&acc, lid);
        workgroupBarrier();
    }
    for (var r2 = 0u; r2 < 4u; r2++) {
        let o = rowOf(t, lid, r2);
        if (o >= p.m) {
            continue;
        }
        for (var c = 0u; c < 4u; c++) {
            let jj = colOf(t, lid, c);
            if (jj < p.n) {
                dst[t.part + o * p.n + jj] = acc[r2][c];
            }
        }
    }
}

// linear: dst[i, j] = sum over k of a[i*sam + k*sak] * b[k*sbk + j*sbn]
// (+ bias[j]), row-major m x n. Staging reads along whichever index has
// stride 1.
@compute @workgroup_size(256)
fn linear(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = tileOf(wid);
    let ak = p.sak == 1u;
    let bn = p.sbn == 1u;
    var acc: array<vec4<f32>, 4>;
    for (var k0 = t.kb; k0 < t.ke; k0 += TK) {
        for (var e = lid; e < TK * p.tm; e += 256u) {
            let kl = select(e / p.tm, e % TK, ak);
            let ml = select(e % p.tm, e / TK, ak);
            let i = t.i0 + ml;
            let k = k0 + kl;
            var v = 0.0;
            if (i < p.m && k < t.ke) {
                v = a[i * p.sam + k * p.sak];
            }
            sh[kl * p.tm + ml] = v;
        }
        for (var e = lid; e < TK * p.tn; e += 256u) {
            let kl = select(e % TK, e / p.tn, bn);
            let nl = select(e / TK, e % p.tn, bn);
            let j = t.j0 + nl;
            let k = k0 + kl;
            var v = 0.0;
            if (j < p.n && k < t.ke) {
                v = b[k * p.sbk + j * p.sbn];
            }
            sh[TK * p.tm + kl * p.tn + nl] = v;
        }
        workgroupBarrier();
        mac(&acc, lid);
        workgroupBarrier();
    }
    for (var r = 0u; r < 4u; r++) {
        let i = rowOf(t, lid, r);
        if (i >= p.m) {
            continue;
        }
        for (var c = 0u; c < 4u; c++) {
            let j = colOf(t, lid, c);
            if (j < p.n) {
                var v = acc[r][c];
                if (p.bias != 0u) {
                    v += bias[j];
                }
                dst[t.part + i * p.n + j] = v;
            }
        }
    }
}
