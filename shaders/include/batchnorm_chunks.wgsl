// batchnorm_chunks (snippet): the chunked per-channel layout that batch
// norm's two reductions share (batchnorm_stats.wgsl, batchnorm_grad.wgsl,
// and batchnorm_relu_grad.wgsl, the fused ReLU's partial pass).
//
// Channel c of x [N, C, H, W] (and of dy) has count = N*hw values, value e
// at x[at(c, e)]. Pass partial splits each channel into parts chunks of
// chunk values, workgroup (j, c) taking chunk j (chunkOf), and stores two
// values per chunk at part[partAt(c, j)] and the next; pass finish, one
// workgroup per channel, combines a channel's chunks in a fixed order.

struct P {
    C: u32, hw: u32, count: u32, chunk: u32, parts: u32,
    j0: u32,                  // pass partial: the index of its first chunk
    eps: f32, momentum: f32,  // batchnorm_stats only
}
@group(0) @binding(0) var<uniform> p: P;

fn at(c: u32, e: u32) -> u32 {
    return (e / p.hw * p.C + c) * p.hw + e % p.hw;
}

// Chunk is chunk j of channel c: its values [start, end).
struct Chunk { c: u32, j: u32, start: u32, end: u32 }

// chunkOf returns the chunk of workgroup wid of pass partial: chunk
// wid.x + j0 of channel c, counted from the start of the x it binds. A
// batch too large for one binding (package gpu, split.go) runs pass
// partial once per slice of images, x bound from the slice's first image,
// count its values per channel and j0 its first chunk: every chunk but
// the last of all then holds chunk values, as pass finish (whose count
// is the whole batch's) expects.
fn chunkOf(wid: vec3<u32>) -> Chunk {
    let start = wid.x * p.chunk;
    return Chunk(wid.y, wid.x + p.j0, start, min(start + p.chunk, p.count));
}

// partAt returns where chunk j of channel c keeps its two values in part.
fn partAt(c: u32, j: u32) -> u32 {
    return 2u * (c * p.parts + j);
}
