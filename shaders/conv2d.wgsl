//!include gemm_tile
// conv2d: the three products of a convolution, on the tile machinery of
// include/gemm_tile.wgsl. x [bn, c, h, w], w [o, c, kh, kw] and
// y [bn, o, oh, ow] as in P; A is gathered from binding 2, B from
// binding 3 (implicit im2col), and each entry point is one kind:
//
//	forward:         y = conv(x, w) + bias. Rows are output channels o,
//	                 columns output pixels j = (image, oy, ox),
//	                 k = (ci, ky, kx). a = w [o, k], b = x, dst = y.
//	backward_data:   dx = the transpose of conv applied to dy, as a
//	                 gather: dx[img, ci, iy, ix] = sum over (o, ky, kx) of
//	                 w[o, ci, ky, kx] * dy[img, o, oy, ox] where
//	                 oy*stride - pad + ky = iy (same for x). Rows are
//	                 input channels ci, columns input pixels
//	                 j = (image, iy, ix), k = (o, ky, kx). a = w, b = dy,
//	                 dst = dx.
//	backward_filter: dw[o, (ci, ky, kx)] = sum over (image, oy, ox) of
//	                 dy[image, o, oy, ox] * x[image, ci, oy*stride - pad
//	                 + ky, ...]. Rows are output channels o, columns
//	                 j = (ci, ky, kx), k = (image, oy, ox). a = dy, b = x,
//	                 dst = dw.

const FORWARD = 0u;
const BACKWARD_DATA = 1u;
const BACKWARD_FILTER = 2u;

// Column is what gathering B needs about the column j that an invocation
// stages: B is staged along n, and tn divides 256, so an invocation
// stages one column, lid % tn, for the whole product. base and (y, x):
// forward: x's image offset and the window's top-left corner (iy0, ix0);
// backward_data: dy's image offset and (iy + pad, ix + pad);
// backward_filter: the input channel ci and (ky - pad, kx - pad).
struct Column { j: u32, base: u32, y: i32, x: i32 }

var<private> col: Column;

fn column(kind: u32, j: u32) -> Column {
    if (kind == FORWARD) {
        let ohw = p.oh * p.ow;
        let img = j / ohw;
        let pix = j % ohw;
        return Column(j, img * p.c * p.h * p.w,
            i32((pix / p.ow) * p.stride) - i32(p.pad), i32((pix % p.ow) * p.stride) - i32(p.pad));
    }
    if (kind == BACKWARD_DATA) {
        let hw = p.h * p.w;
        let img = j / hw;
        let pix = j % hw;
        return Column(j, img * p.o * p.oh * p.ow, i32(pix / p.w + p.pad), i32(pix % p.w + p.pad));
    }
    let khw = p.kh * p.kw;
    let r = j % khw;
    return Column(j, j / khw, i32(r / p.kw) - i32(p.pad), i32(r % p.kw) - i32(p.pad));
}

// loadA returns A[i, k] (i < m, k < the split's end).
fn loadA(kind: u32, i: u32, k: u32) -> f32 {
    if (kind == FORWARD) {
        return a_ld(i * p.k + k);
    }
    if (kind == BACKWARD_DATA) {
        let khw = p.kh * p.kw;
        return a_ld(((k / khw) * p.c + i) * khw + k % khw);
    }
    let ohw = p.oh * p.ow;
    return a_ld(((k / ohw) * p.m + i) * ohw + k % ohw);
}

// loadB returns B[k, col.j] (col.j < n, k < the split's end): the input
// (or output gradient) value under the kernel tap, 0 in the padding or
// where no output position reaches.
fn loadB(kind: u32, k: u32) -> f32 {
    if (kind == FORWARD) {
        let khw = p.kh * p.kw;
        let ci = k / khw;
        let r = k % khw;
        let iy = col.y + i32(r / p.kw);
        let ix = col.x + i32(r % p.kw);
        if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
            return b_ld(col.base + (ci * p.h + u32(iy)) * p.w + u32(ix));
        }
        return 0.0;
    }
    if (kind == BACKWARD_DATA) {
        let khw = p.kh * p.kw;
        let o = k / khw;
        let r = k % khw;
        let ty = col.y - i32(r / p.kw);
        let tx = col.x - i32(r % p.kw);
        let s = i32(p.stride);
        if (ty >= 0 && tx >= 0 && ty % s == 0 && tx % s == 0) {
            let oy = u32(ty / s);
            let ox = u32(tx / s);
            if (oy < p.oh && ox < p.ow) {
                return b_ld(col.base + (o * p.oh + oy) * p.ow + ox);
            }
        }
        return 0.0;
    }
    let ohw = p.oh * p.ow;
    let img = k / ohw;
    let pix = k % ohw;
    let iy = i32((pix / p.ow) * p.stride) + col.y;
    let ix = i32((pix % p.ow) * p.stride) + col.x;
    if (iy >= 0 && iy < i32(p.h) && ix >= 0 && ix < i32(p.w)) {
        return b_ld(((img * p.c + col.base) * p.h + u32(iy)) * p.w + u32(ix));
    }
    return 0.0;
}

// stage stages A along k and B along n (see include/gemm_tile.wgsl).
fn stage(kind: u32, t: Tile, k0: u32, lid: u32) {
    for (var e = lid; e < TK * p.tm; e += 256u) {
        let i = t.i0 + e / TK;
        let k = k0 + e % TK;
        var v = 0.0;
        if (i < p.m && k < t.ke) {
            v = loadA(kind, i, k);
        }
        sh[(e % TK) * p.tm + e / TK] = v;
    }
    let nl = lid % p.tn;
    for (var kl = lid / p.tn; kl < TK; kl += 256u / p.tn) {
        let k = k0 + kl;
        var v = 0.0;
        if (col.j < p.n && k < t.ke) {
            v = loadB(kind, k);
        }
        sh[TK * p.tm + kl * p.tn + nl] = v;
    }
}

// convolve computes and writes a workgroup's tile of the product kind.
// forward and backward_data write [image, channel, pixel] outputs,
// backward_filter a row-major [o, (ci, ky, kx)] one; only forward has a
// bias, one per output channel (row).
fn convolve(kind: u32, wid: vec3<u32>, lid: u32) {
    let t = tileOf(wid);
    col = column(kind, t.j0 + lid % p.tn);
    var acc: array<vec4<f32>, 4>;
    product(kind, t, lid, &acc, kind == BACKWARD_FILTER);
    var hw = 0u;
    if (kind == FORWARD) {
        hw = p.oh * p.ow;
    } else if (kind == BACKWARD_DATA) {
        hw = p.h * p.w;
    }
    store(t, lid, &acc, hw, true);
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    convolve(FORWARD, wid, lid);
}

@compute @workgroup_size(256)
fn backward_data(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    convolve(BACKWARD_DATA, wid, lid);
}

@compute @workgroup_size(256)
fn backward_filter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    convolve(BACKWARD_FILTER, wid, lid);
}
