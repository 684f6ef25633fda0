// batchnorm_dx: dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat))
// over [N,C,H,W] flattened, with m = count (values per channel),
// c = (i / hw) % C, xhat = (x - mean[c]) * invStd[c], and the sums read
// from dbeta and dgamma, which batchnorm_grad wrote.
struct P { n: u32, row: u32, C: u32, hw: u32, count: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(7) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(8) var<storage, read_write> dbeta: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * p.row;
    if (i < p.n) {
        let c = (i / p.hw) % p.C;
        let inv = invStd[c];
        let xhat = (x_ld(i) - mean[c]) * inv;
        let f = gamma[c] * inv / p.count;
        dx_st(i, f * (p.count * dy_ld(i) - dbeta[c] - xhat * dgamma[c]));
    }
}
