// tree (snippet): workgroup tree reductions. WGSL has no float atomics,
// so a workgroup combines its invocations' values in workgroup memory, in
// an order fixed by the workgroup size alone: results are the same on
// every run.
//
// The including module declares const WG: u32, the workgroup size of its
// reducing entry points (a power of two). Every invocation of the
// workgroup calls a reduction at the same point, in uniform control flow
// (it has barriers), with its index t < WG and its value v.

var<workgroup> tree: array<f32, WG>;

const treeAdd = 0u;
const treeMaximum = 1u;

// treeReduce stores v in slot t, then for h = WG/2, WG/4, ..., 1 every
// invocation t < h combines slot t with slot t + h (slot t + slot t + h,
// or max(slot t, slot t + h)), and returns slot 0 to every invocation.
fn treeReduce(t: u32, v: f32, how: u32) -> f32 {
    tree[t] = v;
    workgroupBarrier();
    for (var h = WG / 2u; h > 0u; h >>= 1u) {
        if (t < h) {
            if (how == treeMaximum) {
                tree[t] = max(tree[t], tree[t + h]);
            } else {
                tree[t] += tree[t + h];
            }
        }
        workgroupBarrier();
    }
    let r = tree[0];
    workgroupBarrier(); // slot 0 is read before the next reduction writes it
    return r;
}

// treeSum returns the sum of the workgroup's values to every invocation.
fn treeSum(t: u32, v: f32) -> f32 {
    return treeReduce(t, v, treeAdd);
}

// treeMax returns the largest of the workgroup's values to every
// invocation.
fn treeMax(t: u32, v: f32) -> f32 {
    return treeReduce(t, v, treeMaximum);
}
