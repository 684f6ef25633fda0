// batchnorm_chunks (snippet): the chunked per-channel layout that batch
// norm's two-pass kernels share: batchnorm_stats.wgsl then
// batchnorm_train.wgsl or batchnorm_relu_pool.wgsl (the forward),
// batchnorm_grad.wgsl or batchnorm_relu_grad.wgsl then batchnorm_dx.wgsl,
// or batchnorm_pool_grad.wgsl then batchnorm_pool_dx.wgsl (the backward).
//
// Channel c of x [N, C, H, W] (and of dy) has total = N*hw values, value
// e at x[at(c, e)]. Both passes split each channel into parts chunks of
// chunk values, workgroup (j, c) taking chunk j (chunkOf). Pass partial
// stores two values per chunk at part[partAt(c, j)] and the next, and
// stages up to four per-channel values (gamma, beta; gamma, mean,
// invStd) at part[stageAt(c)] and the next; each workgroup of the second pass first combines all of
// channel c's chunk values in a fixed order (the same in every workgroup,
// so all get the same bits), then works on its own chunk, and the
// workgroups of chunk 0 write the per-channel results.

struct P {
    C: u32, hw: u32,
    count: u32,               // values per channel in the bound slice of x
    chunk: u32, parts: u32,
    j0: u32,                  // the index of the slice's first chunk
    total: u32,               // values per channel in the whole batch
    w: u32, k: u32,           // with max pooling: the plane's width, the window's
    eps: f32, momentum: f32,  // the forward only
}
@group(0) @binding(0) var<uniform> p: P;

fn at(c: u32, e: u32) -> u32 {
    return (e / p.hw * p.C + c) * p.hw + e % p.hw;
}

// Chunk is chunk j of channel c: its values [start, end).
struct Chunk { c: u32, j: u32, start: u32, end: u32 }

// chunkOf returns the chunk of workgroup wid: chunk wid.x + j0 of
// channel c, its values counted from the start of the x it binds. A batch
// too large for one binding (package gpu, split.go) runs each pass once
// per slice of images, x bound from the slice's first image, count its
// values per channel and j0 its first chunk: every chunk but the last of
// all then holds chunk values, as the combining of the second pass
// (which counts total) expects.
fn chunkOf(wid: vec3<u32>) -> Chunk {
    let start = wid.x * p.chunk;
    return Chunk(wid.y, wid.x + p.j0, start, min(start + p.chunk, p.count));
}

// partAt returns where chunk j of channel c keeps its two values in part.
fn partAt(c: u32, j: u32) -> u32 {
    return 2u * (c * p.parts + j);
}

// stageAt returns where pass partial stages channel c's values (the
// second pass's per-channel parameters, so that it binds fewer buffers),
// after all chunks' values.
fn stageAt(c: u32) -> u32 {
    return 2u * p.C * p.parts + 4u * c;
}
