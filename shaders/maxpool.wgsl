// maxpool: k x k windows with stride k and no padding over planes of
// h x w; trailing rows and columns that fill no whole window are dropped.
// The first maximum in row-major order wins, and a NaN beats any number
// (the last NaN of a window wins), as in the CPU backend.
struct P { n: u32, row: u32, h: u32, w: u32, oh: u32, ow: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> d: array<f32>; // y, or dx
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;

// isNaN tests the bits, which no fast-math assumption can fold away.
fn isNaN(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// argmax returns the offset within the plane at base of the first maximum
// of the window whose top-left corner is (y0, x0).
fn argmax(base: u32, y0: u32, x0: u32) -> u32 {
    var best = y0 * p.w + x0;
    var top = x_ld(base + best);
    for (var i = y0; i < y0 + p.k; i++) {
        for (var j = x0; j < x0 + p.k; j++) {
            let o = i * p.w + j;
            let v = x_ld(base + o);
            if (v > top || isNaN(v)) {
                best = o;
                top = v;
            }
        }
    }
    return best;
}

// forward: one invocation per output element, n = planes * oh * ow.
@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) id: vec3<u32>) {
    let o = id.x + id.y * p.row;
    if (o >= p.n) {
        return;
    }
    let per = p.oh * p.ow;
    let plane = o / per;
    let r = o % per;
    let base = plane * p.h * p.w;
    d_st(o, x_ld(base + argmax(base, (r / p.ow) * p.k, (r % p.ow) * p.k)));
}

// backward is a gather: one invocation per input element, n = planes *
// h * w; an element takes its window's dy when it is the window's first
// maximum, else 0 (also outside every whole window).
@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i >= p.n) {
        return;
    }
    let hw = p.h * p.w;
    let plane = i / hw;
    let r = i % hw;
    let oy = (r / p.w) / p.k;
    let ox = (r % p.w) / p.k;
    var g = 0.0;
    if (oy < p.oh && ox < p.ow && argmax(plane * hw, oy * p.k, ox * p.k) == r) {
        g = dy_ld((plane * p.oh + oy) * p.ow + ox);
    }
    d_st(i, g);
}
