// batchnorm_pool (snippet): the gradient that max pooling routes back to
// one element of its input, for batchnorm_pool_grad.wgsl and
// batchnorm_pool_dx.wgsl. The including module declares the parameter
// block (include/batchnorm_chunks.wgsl: planes of hw values, w wide,
// windows of k x k) and the storage buffers dy (the pooled gradient,
// [N, C, oh, ow]) and idx (its shape: the offset in each window of the
// element that got the window's value, or -1 where the ReLU stopped it,
// as batchnorm_relu_pool.wgsl writes).

// routed returns the gradient of value e of channel c (counted from the
// start of the bound slice, as include/batchnorm_chunks.wgsl's at):
// its window's dy where idx names it, else 0 (also outside every whole
// window).
fn routed(c: u32, e: u32) -> f32 {
    let r = e % p.hw;
    let row = r / p.w;
    let col = r % p.w;
    let oh = p.hw / p.w / p.k;
    let ow = p.w / p.k;
    let oy = row / p.k;
    let ox = col / p.k;
    if (oy >= oh || ox >= ow) {
        return 0.0;
    }
    let o = ((e / p.hw * p.C + c) * oh + oy) * ow + ox;
    let want = (row - oy * p.k) * p.k + col - ox * p.k;
    return select(0.0, dy_ld(o), idx[o] == i32(want));
}
