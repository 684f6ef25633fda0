//!include gemm_tile
// gemm: strided matrix products for linear layers, on the tile machinery
// of include/gemm_tile.wgsl.
//
// linear: dst[i, j] = sum over k of a[i*sam + k*sak] * b[k*sbk + j*sbn]
// (+ bias[j]), row-major m x n. The strides make one entry point serve
// y = x w^T, dx = dy w and dw = dy^T x.

// stage stages each operand's slice along whichever of its indices has
// stride 1, so that neighbouring invocations read neighbouring values
// (see include/gemm_tile.wgsl). kind is unused: linear is the module's
// only product.
fn stage(kind: u32, t: Tile, k0: u32, lid: u32) {
    let ak = p.sak == 1u;
    let bn = p.sbn == 1u;
    for (var e = lid; e < TK * p.tm; e += 256u) {
        let kl = select(e / p.tm, e % TK, ak);
        let ml = select(e % p.tm, e / TK, ak);
        let i = t.i0 + ml;
        let k = k0 + kl;
        var v = 0.0;
        if (i < p.m && k < t.ke) {
            v = a_ld(i * p.sam + k * p.sak);
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
            v = b_ld(k * p.sbk + j * p.sbn);
        }
        sh[TK * p.tm + kl * p.tn + nl] = v;
    }
}

@compute @workgroup_size(256)
fn linear(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = tileOf(wid);
    var acc: array<vec4<f32>, 4>;
    product(0u, t, lid, &acc, false);
    store(t, lid, &acc, 0u, false);
}
