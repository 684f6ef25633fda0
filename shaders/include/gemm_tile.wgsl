// gemm_tile (snippet): the tiled matrix product that gemm.wgsl (linear
// layers) and conv2d.wgsl (convolutions) compute.
//
// Every product is an m x n output C = A B reduced over k, where A
// (m x k) and B (k x n) are gathered from the operands on the fly (the
// im2col matrix of a convolution is never stored). A workgroup of 256
// invocations computes one tm x tn tile of C (32 x 128, 64 x 64 or
// 128 x 32, chosen by the host), each invocation a 4 x 4 block of it:
// rows ty + r*tm/4 and columns tx + c*tn/4. The reduction runs in slices
// of TK = 16: the workgroup stages the slice of A (tm x TK) and of B
// (TK x tn) in workgroup memory, then every invocation updates its 16
// sums from it (product).
//
// A product may take several dispatches: workgroup_id.x is the column
// tile - tj0, workgroup_id.y is (split - s0) * rows + (row tile - ti0).
// Split-K: split s reduces k in [s*kc, min((s+1)*kc, k)) and writes its
// partial output at offset s*numel of binding 1; gemm_sum.wgsl adds the
// splits in a fixed order. With one split the entry points write the
// output directly, with the bias when p.bias is 1 (store).
//
// Row sums: when p.sums is not 0, the workgroups of the first column
// tile also sum the rows of A over their split's range, from the staged
// slices (a convolution's bias gradient is the row sum of the filter
// gradient's A, dy). p.sums 1: they write row i's sum to bias[i] (one
// split, bias is the destination); 2: to bias[t.part + m*n + i], after
// the split's partial output, where bias binds the partial outputs as
// dst does (p.numel is then m*n + m, and gemm_sum.wgsl's split moves the
// sums of the last m values to its own binding 3). The row sums never go
// through dst, whose access the including module may define.
//
// Bindings: 1 the output (or the splits' partial outputs), 2 and 3 the
// operands as each entry point says, 4 the bias (or, p.sums 1, the row
// sums). All read_write so that the layout is one for every entry point.
//
// The including module defines
//
//	fn stage(kind: u32, t: Tile, k0: u32, lid: u32)
//
// which every invocation calls to stage the reduction slice [k0, k0 + TK)
// of its workgroup's tile t for the product kind (an entry point's own
// code): A[t.i0 + ml, k0 + kl] at sh[kl*tm + ml] and B[k0 + kl, t.j0 + nl]
// at sh[TK*tm + kl*tn + nl], 0 where the index is past m, n or t.ke.

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
    sums: u32,                      // 0: no row sums of A; 1: into bias; 2: after each output
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

// rowSlice returns the sum of the staged slice of A's row lid (lid < tm),
// the slice's 16 terms summed apart as in mac.
fn rowSlice(lid: u32) -> f32 {
    var s = 0.0;
    for (var kk = 0u; kk < TK; kk++) {
        s += sh[kk * p.tm + lid];
    }
    return s;
}

// product reduces the tile t of the product kind over its split's range
// into the invocation's 4 x 4 sums: stage a slice, then mac it. With
// rowSums and p.sums, invocation lid < tm of a first-column-tile
// workgroup also sums row t.i0 + lid of A and writes it (see Row sums
// above). rowSums is a constant at each call, so that the products that
// never take row sums compile without that code: as a run-time test alone
// it cost the convolutions 4-6% on lavapipe.
fn product(kind: u32, t: Tile, lid: u32, acc: ptr<function, array<vec4<f32>, 4>>, rowSums: bool) {
    let sums = rowSums && p.sums != 0u && t.j0 == 0u && lid < p.tm;
    var rs = 0.0;
    for (var k0 = t.kb; k0 < t.ke; k0 += TK) {
        stage(kind, t, k0, lid);
        workgroupBarrier();
        mac(acc, lid);
        if (sums) {
            rs += rowSlice(lid);
        }
        workgroupBarrier();
    }
    let i = t.i0 + lid;
    if (sums && i < p.m) {
        if (p.sums == 1u) {
            bias[i] = rs;
        } else {
            bias[t.part + p.m * p.n + i] = rs;
        }
    }
}

// Output row r (0..3) and column c (0..3) of an invocation.
fn rowOf(t: Tile, lid: u32, r: u32) -> u32 {
    return t.i0 + lid / (p.tn / 4u) + r * (p.tm / 4u);
}

fn colOf(t: Tile, lid: u32, c: u32) -> u32 {
    return t.j0 + lid % (p.tn / 4u) + c * (p.tn / 4u);
}

// store writes the invocation's 4 x 4 sums of C into this split's output.
// With hw = 0, C is row-major: C[i, j] goes to dst[i*n + j]. Otherwise a
// column is j = (image, pixel) with hw pixels per image and C[i, j] goes
// to dst[(image*m + i)*hw + pixel], images of m planes. When p.bias is 1,
// bias[i] (byRow) or bias[j] is added to each sum.
fn store(t: Tile, lid: u32, acc: ptr<function, array<vec4<f32>, 4>>, hw: u32, byRow: bool) {
    for (var r = 0u; r < 4u; r++) {
        let i = rowOf(t, lid, r);
        for (var c = 0u; c < 4u; c++) {
            let j = colOf(t, lid, c);
            if (i < p.m && j < p.n) {
                var v = (*acc)[r][c];
                if (p.bias != 0u) {
                    v += bias[select(j, i, byRow)];
                }
                var at = i * p.n + j;
                if (hw != 0u) {
                    at = (j / hw) * p.m * hw + j % hw + i * hw;
                }
                dst_st(t.part + at, v);
            }
        }
    }
}
