// gather: builds a batch from a data set held as bytes (ops.GatherImages).
// One invocation per output element i < n of dst [N, C, OH, OW]
// (i = id.x + id.y * p.row). images packs the bytes four to a word,
// little-endian; samples holds, per sample, the image index and a draw
// word (dy in bits 0-7, dx in 8-15, flip in bit 16); lut [C, 256] maps
// each channel's byte to its output value. Output pixel (y, x) shows
// image pixel (y+dy-pad-top, x'+dx-pad-left), x' = ow-1-x when flipped;
// outside the image it takes lut[c][0]. An index outside [0, count)
// gives NaN. No arithmetic on floats: every value is copied from lut, so
// the batch equals the host's bit for bit.
struct P { n: u32, row: u32, count: u32, c: u32, h: u32, w: u32, oh: u32, ow: u32, pad: i32, top: i32, left: i32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read_write> images: array<u32>;
@group(0) @binding(3) var<storage, read_write> lut: array<f32>;
@group(0) @binding(4) var<storage, read_write> samples: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i >= p.n) {
        return;
    }
    let x = i % p.ow;
    let y = (i / p.ow) % p.oh;
    let ch = (i / (p.ow * p.oh)) % p.c;
    let k = i / (p.ow * p.oh * p.c);
    let idx = samples[2u * k];
    if (idx < 0 || u32(idx) >= p.count) {
        dst[i] = bitcast<f32>(0x7fc00000u);
        return;
    }
    let draw = u32(samples[2u * k + 1u]);
    let dy = i32(draw & 0xffu);
    let dx = i32((draw >> 8u) & 0xffu);
    var xx = i32(x);
    if (((draw >> 16u) & 1u) == 1u) {
        xx = i32(p.ow) - 1 - i32(x);
    }
    let sy = i32(y) + dy - p.pad - p.top;
    let sx = xx + dx - p.pad - p.left;
    var v = 0u;
    if (sy >= 0 && sy < i32(p.h) && sx >= 0 && sx < i32(p.w)) {
        let b = ((u32(idx) * p.c + ch) * p.h + u32(sy)) * p.w + u32(sx);
        v = (images[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu;
    }
    dst[i] = lut[ch * 256u + v];
}
