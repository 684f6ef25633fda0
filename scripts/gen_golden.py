#!/usr/bin/python3
"""Generate wgtrain's golden conformance fixtures from PyTorch.

Run as:  /usr/bin/python3 scripts/gen_golden.py   (from any directory)

It needs torch (Debian's python3-torch, 1.13 here) and numpy, which is why the
shebang names /usr/bin/python3 rather than whatever python3 is first on PATH.
Everything is deterministic: fixed torch.manual_seed / numpy default_rng seeds,
torch.set_num_threads(1), float32 throughout (labels are int64).

Output (both in conformance/testdata/, both safetensors written by hand below,
since there is no python safetensors package here):

1. golden_ops.safetensors -- per-op cases. Tensor names are "<case>/<tensor>";
   each case's non-tensor parameters are a JSON string in __metadata__ under
   the case name. Backward cases draw a random upstream gradient dy and use
   torch.autograd.grad. Cases: conv_a..conv_e, bn_train_a/b, bn_eval, relu,
   maxpool_a..c, linear_a/b, ce_a..c, focal_a..c, mix_a, ce_smooth_a/c and
   mix_smooth_a (label_smoothing 0.1 / 0.3 / 0.1), dropout_a/b,
   dropout_hash (first 16 hashes, seed 42 step 7), adam_a/b; multistep_a/b
   live only in __metadata__ (float64 learning rates, JSON lists).
2. golden_resnet9.safetensors -- the tutorial's resnet9 (in 3, classes 10,
   width 16; state_dict names like 2.block.0.0.weight) initialised with
   torch.manual_seed(0): init/<name>, the fixed batch x/labels, two Adam
   (lr 1e-3) training steps with CrossEntropy (ce/...) and with
   0.5*CE + 0.5*focal (mix/...).

Dropout is NOT torch's RNG: it is wgtrain's counter-based mask (see mix32 /
dropout_hash below, a transcription of the Go code), element index = flat
row-major index of the tensor. The resnet's nn.Dropout(0.2) is replaced by a
module applying that mask with seed 42 and step = 0-based training step.

Focal loss is catalyst's FocalLossMultiClass (docs/SPEC.md §3): sigmoid
one-vs-rest on one-hot targets, gamma 2, alpha 0.25, sum over classes, mean
over rows.

At the end every written file is re-read with an independent minimal reader
and all tensors are compared bit-for-bit with what was meant to be written.
"""
import copy, json, math, os, struct, sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance", "testdata")
M32 = 0xFFFFFFFF

# ---------------------------------------------------------------- safetensors
def to_np(t):
    """Tensor/array -> contiguous little-endian numpy array (F32 or I64)."""
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    # astype(copy) keeps 0-d arrays 0-d; np.ascontiguousarray would make
    # them 1-d, turning PyTorch's scalar num_batches_tracked into shape [1].
    if a.dtype.kind in "iu":
        return a.astype("<i8", order="C", copy=True)
    assert a.dtype == np.float32, a.dtype  # no silent float64 -> float32 casts
    return a.astype("<f4", order="C", copy=True)

def write_safetensors(path, tensors, metadata):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = to_np(tensors[name])
        raw = a.tobytes()
        header[name] = {"dtype": "I64" if a.dtype.kind == "i" else "F32",
                        "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-(8 + len(h))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

def check_file(path, tensors, metadata):
    """Independent minimal reader: validate layout, compare every tensor bit for bit."""
    buf = open(path, "rb").read()
    n = int.from_bytes(buf[:8], "little")
    assert (8 + n) % 8 == 0 and 8 + n <= len(buf)
    hdr = json.loads(buf[8:8 + n].decode("utf-8"))
    assert hdr.pop("__metadata__") == {k: str(v) for k, v in metadata.items()}
    assert set(hdr) == set(tensors), set(hdr) ^ set(tensors)
    pos, data = 0, buf[8 + n:]
    for name in sorted(hdr):  # contiguous, sorted, no holes
        e = hdr[name]
        b, end = e["data_offsets"]
        size = {"F32": 4, "I64": 8}[e["dtype"]]
        assert b == pos and end - b == size * math.prod(e["shape"]), name
        got = np.frombuffer(data[b:end], dtype={"F32": "<f4", "I64": "<i8"}[e["dtype"]])
        want = to_np(tensors[name])
        assert list(want.shape) == e["shape"] and got.tobytes() == want.tobytes(), name
        pos = end
    assert pos == len(data), "trailing bytes"
    return len(buf)

# ---------------------------------------------------------------- dropout mask
U = np.uint64  # all hash arithmetic in uint64 arrays, masked to 32 bits after each multiply

def mix32(x):
    x = np.atleast_1d(np.asarray(x, dtype=U)) & U(M32)
    x ^= x >> U(16); x = (x * U(0x7FEB352D)) & U(M32)
    x ^= x >> U(15); x = (x * U(0x846CA68B)) & U(M32)
    x ^= x >> U(16)
    return x

def dropout_hash(seed, step, index):
    key = mix32(mix32(U(seed) ^ U(0x9E3779B9)) ^ U(step))
    return mix32(key ^ (np.asarray(index, dtype=U) & U(M32)))

def dropout_mask(shape, p, seed, step):
    """0/1 float32 mask and float32 scale, exactly as wgtrain computes them."""
    v = float(np.float32(p)) * (1 << 24)
    thr = math.floor(v) + (1 if v - math.floor(v) >= 0.5 else 0)  # Go math.Round
    h = dropout_hash(seed, step, np.arange(math.prod(shape), dtype=np.uint64))
    mask = ((h >> U(8)) >= U(thr)).astype(np.float32).reshape(shape)
    scale = np.float32(1) / (np.float32(1) - np.float32(p))
    return torch.from_numpy(mask), float(scale)

class CounterDropout(nn.Module):
    """Replacement for nn.Dropout: wgtrain's counter-based mask; identity in eval."""
    def __init__(self, p, seed):
        super().__init__()
        self.p, self.seed, self.step = p, seed, 0
    def forward(self, x):
        if not self.training:
            return x
        mask, scale = dropout_mask(tuple(x.shape), self.p, self.seed, self.step)
        return x * mask * scale

# ---------------------------------------------------------------- losses
def focal_loss(x, labels, gamma=2.0, alpha=0.25):
    """catalyst FocalLossMultiClass, transcribed literally."""
    t = F.one_hot(labels, x.shape[1]).to(x.dtype)
    logpt = -F.binary_cross_entropy_with_logits(x, t, reduction="none")
    pt = torch.exp(logpt)
    l = -((1 - pt) ** gamma) * logpt * (alpha * t + (1 - alpha) * (1 - t))
    return l.sum(1).mean()

def focal_grad_closed_form(x, labels, gamma=2.0, alpha=0.25):
    """The docs/SPEC.md §3 formula in float64, used only as a cross-check."""
    x = x.double(); t = F.one_hot(labels, x.shape[1]).double()
    s = 2 * t - 1; w = alpha * t + (1 - alpha) * (1 - t)
    logpt = F.logsigmoid(s * x); pt = logpt.exp()
    return w * s * (1 - pt) ** gamma * (gamma * pt * logpt - (1 - pt)) / x.shape[0]

# ---------------------------------------------------------------- op cases
def gen_ops():
    T, META = {}, {}
    g = torch.Generator().manual_seed(1234)
    rn = lambda *s: torch.randn(*s, generator=g, dtype=torch.float32)
    def put(case, meta=None, **ts):
        for k, v in ts.items():
            T[f"{case}/{k}"] = v.reshape(1) if (torch.is_tensor(v) and v.dim() == 0) else v
        META[case] = json.dumps(meta or {})
    def grads(y, inputs):
        dy = rn(*y.shape)
        return dy, torch.autograd.grad(y, inputs, dy)

    for case, (n, c, h, w, o, kh, kw, s, pd) in {
            "conv_a": (2, 3, 7, 7, 5, 3, 3, 1, 1), "conv_b": (1, 4, 6, 9, 3, 2, 3, 2, 0),
            "conv_c": (3, 5, 5, 5, 7, 1, 1, 1, 0), "conv_d": (3, 2, 11, 10, 4, 5, 5, 3, 2),
            "conv_e": (1, 1, 4, 4, 1, 3, 3, 1, 1)}.items():
        x, wt, b = (rn(n, c, h, w).requires_grad_(), rn(o, c, kh, kw).requires_grad_(),
                    rn(o).requires_grad_())
        y = F.conv2d(x, wt, b, stride=s, padding=pd)
        dy, (dx, dw, db) = grads(y, [x, wt, b])
        put(case, {"stride": s, "padding": pd}, x=x, w=wt, b=b, y=y, dy=dy, dx=dx, dw=dw, db=db)

    for case, (n, c, h, w) in {"bn_train_a": (3, 5, 4, 3), "bn_train_b": (1, 3, 2, 5)}.items():
        x, ga, be = rn(n, c, h, w).requires_grad_(), rn(c).requires_grad_(), rn(c).requires_grad_()
        rm, rv = rn(c), rn(c).abs() + 0.5
        rm_out, rv_out = rm.clone(), rv.clone()
        y = F.batch_norm(x, rm_out, rv_out, ga, be, training=True, momentum=0.1, eps=1e-5)
        dy, (dx, dga, dbe) = grads(y, [x, ga, be])
        put(case, {"eps": 1e-5, "momentum": 0.1}, x=x, gamma=ga, beta=be, running_mean_in=rm,
            running_var_in=rv, y=y, running_mean_out=rm_out, running_var_out=rv_out,
            dy=dy, dx=dx, dgamma=dga, dbeta=dbe)
    x, ga, be, rm, rv = rn(2, 3, 3, 3), rn(3), rn(3), rn(3), rn(3).abs() + 0.5
    y = F.batch_norm(x, rm, rv, ga, be, training=False, eps=1e-5)
    put("bn_eval", {"eps": 1e-5}, x=x, gamma=ga, beta=be, running_mean=rm, running_var=rv, y=y)

    x = rn(2, 3, 5, 7).requires_grad_(); y = F.relu(x)
    dy, (dx,) = grads(y, [x])
    put("relu", None, x=x, y=y, dy=dy, dx=dx)

    for case, (shape, k) in {"maxpool_a": ((2, 3, 7, 9), 2), "maxpool_b": ((1, 5, 4, 4), 4),
                             "maxpool_c": ((2, 2, 6, 6), 3)}.items():
        x = rn(*shape).requires_grad_(); y = F.max_pool2d(x, k)
        dy, (dx,) = grads(y, [x])
        put(case, {"k": k}, x=x, y=y, dy=dy, dx=dx)

    for case, (n, i, o) in {"linear_a": (3, 7, 5), "linear_b": (1, 1, 1)}.items():
        x, wt, b = rn(n, i).requires_grad_(), rn(o, i).requires_grad_(), rn(o).requires_grad_()
        y = F.linear(x, wt, b)
        dy, (dx, dw, db) = grads(y, [x, wt, b])
        put(case, None, x=x, w=wt, b=b, y=y, dy=dy, dx=dx, dw=dw, db=db)

    big = torch.tensor([[50.0, -50.0], [-50.0, 50.0]])
    logits_c = torch.cat([rn(2, 2), big])  # rows 2,3 large magnitude
    ce_in = {"a": (rn(5, 10), torch.tensor([3, 0, 9, 3, 7])),
             "b": (rn(1, 3), torch.tensor([2])),
             "c": (logits_c, torch.tensor([1, 0, 1, 1]))}  # row 2: loss ~100; row 3: ~0
    for sfx, (lg, lab) in ce_in.items():
        for kind, fn, meta in (("ce", F.cross_entropy, {"reduction": "mean"}),
                               ("focal", focal_loss, {"gamma": 2.0, "alpha": 0.25})):
            x = lg.clone().requires_grad_(); loss = fn(x, lab)
            (dl,) = torch.autograd.grad(loss, [x])
            if kind == "focal":
                ref = focal_grad_closed_form(lg, lab)
                assert torch.allclose(dl.double(), ref, rtol=1e-5, atol=1e-7), (sfx, dl, ref)
            put(f"{kind}_{sfx}", meta, logits=lg, labels=lab, loss=loss, dlogits=dl)
    lg, lab = ce_in["a"]
    x = lg.clone().requires_grad_()
    lce, lfo = F.cross_entropy(x, lab), focal_loss(x, lab)
    loss = 0.5 * lce + 0.5 * lfo
    (dl,) = torch.autograd.grad(loss, [x])
    put("mix_a", {"weights": {"ce": 0.5, "focal": 0.5}, "gamma": 2.0, "alpha": 0.25},
        logits=lg, labels=lab, loss=loss, loss_ce=lce.detach(), loss_focal=lfo.detach(), dlogits=dl)
    # Label smoothing, on the logits above (no new draws from g, so the
    # cases after these keep their values).
    for case, sfx, eps in (("ce_smooth_a", "a", 0.1), ("ce_smooth_c", "c", 0.3)):
        lg, lab = ce_in[sfx]
        x = lg.clone().requires_grad_(); loss = F.cross_entropy(x, lab, label_smoothing=eps)
        (dl,) = torch.autograd.grad(loss, [x])
        k = lg.shape[1]
        target = (1 - eps) * F.one_hot(lab, k).double() + eps / k
        ref = (F.softmax(lg.double(), 1) - target) / lg.shape[0]
        assert torch.allclose(dl.double(), ref, rtol=1e-5, atol=1e-7), (case, dl, ref)
        put(case, {"reduction": "mean", "label_smoothing": eps}, logits=lg, labels=lab, loss=loss, dlogits=dl)
    lg, lab = ce_in["a"]
    x = lg.clone().requires_grad_()
    lce, lfo = F.cross_entropy(x, lab, label_smoothing=0.1), focal_loss(x, lab)
    loss = 0.5 * lce + 0.5 * lfo
    (dl,) = torch.autograd.grad(loss, [x])
    put("mix_smooth_a", {"weights": {"ce": 0.5, "focal": 0.5}, "gamma": 2.0, "alpha": 0.25, "label_smoothing": 0.1},
        logits=lg, labels=lab, loss=loss, loss_ce=lce.detach(), loss_focal=lfo.detach(), dlogits=dl)

    for case, (shape, p, seed, step) in {"dropout_a": ((3, 8), 0.2, 42, 7),
                                         "dropout_b": ((2, 5, 3, 3), 0.5, 1, 0)}.items():
        x, dy = rn(*shape), rn(*shape)
        mask, scale = dropout_mask(shape, p, seed, step)
        put(case, {"p": p, "seed": seed, "step": step}, x=x, y=x * mask * scale,
            dy=dy, dx=dy * mask * scale, mask=mask)
    h = dropout_hash(42, 7, np.arange(16, dtype=np.uint64)).astype(np.int64)
    put("dropout_hash", {"seed": 42, "step": 7, "first_index": 0}, h=torch.from_numpy(h))

    for case, (n, kw) in {"adam_a": (13, dict(lr=1e-3)),
                          "adam_b": (4, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6))}.items():
        p0, g1, g2, g3 = rn(n), rn(n), rn(n), rn(n)
        g2[::3] = 0.0  # a few exact zeros
        p = p0.clone().requires_grad_()
        opt = torch.optim.Adam([p], **kw)
        ps = {}
        for i, gr in enumerate((g1, g2, g3), 1):
            p.grad = gr.clone(); opt.step(); ps[f"p{i}"] = p.detach().clone()
        st = opt.state[p]
        d = opt.param_groups[0]
        put(case, {"lr": d["lr"], "betas": list(d["betas"]), "eps": d["eps"]}, p0=p0,
            g1=g1, g2=g2, g3=g3, m3=st["exp_avg"], v3=st["exp_avg_sq"], **ps)

    for case, (base, ms, gamma) in {"multistep_a": (1e-3, [5, 8], 0.3),
                                    "multistep_b": (0.1, [3, 3, 7], 0.5)}.items():
        opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=base)
        sch = torch.optim.lr_scheduler.MultiStepLR(opt, ms, gamma=gamma)
        lrs = []
        for _ in range(12):
            lrs.append(opt.param_groups[0]["lr"]); opt.step(); sch.step()
        META[case] = json.dumps({"base": base, "milestones": ms, "gamma": gamma, "lr": lrs})

    T = {k: (v.detach() if torch.is_tensor(v) else v) for k, v in T.items()}
    META["torch_version"] = torch.__version__
    META["note"] = "generated by scripts/gen_golden.py; see its docstring"
    return T, META

# ---------------------------------------------------------------- resnet9
def conv_block(cin, cout, pool=False):
    layers = [nn.Conv2d(cin, cout, kernel_size=3, padding=1), nn.BatchNorm2d(cout),
              nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)

class ResidualBlock(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block
    def forward(self, x):
        return self.block(x) + x

def resnet9(cin, ncls, size=16, p=0.2, seed=42, dropout=None):
    """The tutorial's resnet9; dropout defaults to wgtrain's counter-based
    mask (CounterDropout(p, seed)), which the fixtures need."""
    if dropout is None:
        dropout = CounterDropout(p, seed)
    s1, s2, s4, s8 = size, size * 2, size * 4, size * 8
    return nn.Sequential(
        conv_block(cin, s1), conv_block(s1, s2, pool=True),
        ResidualBlock(nn.Sequential(conv_block(s2, s2), conv_block(s2, s2))),
        conv_block(s2, s4, pool=True), conv_block(s4, s8, pool=True),
        ResidualBlock(nn.Sequential(conv_block(s8, s8), conv_block(s8, s8))),
        nn.Sequential(nn.MaxPool2d(4), nn.Flatten(), dropout, nn.Linear(s8, ncls)))

def train2(model, x, labels, loss_fn, prefix, T, keep_grads):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(2):
        model[6][2].step = step
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, labels)
        loss.backward()
        T[f"{prefix}/step{step + 1}/loss"] = loss.detach().reshape(1)
        if keep_grads and step == 0:
            T[f"{prefix}/step1/logits"] = logits.detach().clone()
            for n, p in model.named_parameters():
                T[f"{prefix}/step1/grad/{n}"] = p.grad.detach().clone()
        opt.step()
    for n, v in model.state_dict().items():
        T[f"{prefix}/final/{n}"] = v.detach().clone()

def gen_resnet9():
    torch.manual_seed(0)
    model = resnet9(3, 10, 16)
    nparam = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert nparam == 413514, nparam
    torch.manual_seed(1)
    x = torch.randn(4, 3, 32, 32, dtype=torch.float32)
    labels = torch.tensor([3, 7, 0, 9], dtype=torch.int64)
    T = {"x": x, "labels": labels}
    for n, v in model.state_dict().items():
        T[f"init/{n}"] = v.detach().clone()
    ce_model = copy.deepcopy(model)
    train2(ce_model, x, labels, nn.CrossEntropyLoss(), "ce", T, keep_grads=True)
    ce_model.eval()
    with torch.no_grad():
        T["ce/eval_logits"] = ce_model(x).clone()
    mix = lambda lg, lab: 0.5 * F.cross_entropy(lg, lab) + 0.5 * focal_loss(lg, lab)
    train2(copy.deepcopy(model), x, labels, mix, "mix", T, keep_grads=True)
    META = {"width": 16, "in_channels": 3, "num_classes": 10, "batch": 4, "lr": 1e-3,
            "dropout_p": 0.2, "dropout_seed": 42, "trainable_params": nparam,
            "torch_version": torch.__version__,
            "note": ("generated by scripts/gen_golden.py: init torch.manual_seed(0), "
                     "x=randn(4,3,32,32) after manual_seed(1), labels [3,7,0,9]; 2 train-mode "
                     "steps of Adam(lr=1e-3) with CrossEntropy (ce/) or 0.5*CE+0.5*focal "
                     "(gamma 2, alpha 0.25) (mix/); dropout 6.2 = wgtrain counter mask, "
                     "p 0.2, seed 42, step 0 then 1, index = flat index in [N,128]")}
    return T, META

def main():
    os.makedirs(OUT, exist_ok=True)
    # Self-test of the hash transcription against values computed independently
    # with Python ints (no numpy wrap-around tricks).
    def mix_int(x):
        x ^= x >> 16; x = (x * 0x7FEB352D) & M32; x ^= x >> 15
        x = (x * 0x846CA68B) & M32; return x ^ (x >> 16)
    key = mix_int(mix_int(42 ^ 0x9E3779B9) ^ 7)
    assert [int(v) for v in dropout_hash(42, 7, np.arange(16))] == [mix_int(key ^ i) for i in range(16)]
    for name, (T, META) in (("golden_ops.safetensors", gen_ops()),
                            ("golden_resnet9.safetensors", gen_resnet9())):
        path = os.path.join(OUT, name)
        write_safetensors(path, T, META)
        size = check_file(path, T, META)
        print(f"{path}: {size} bytes, {len(T)} tensors, {len(META)} metadata keys, verified")

if __name__ == "__main__":
    sys.exit(main())
