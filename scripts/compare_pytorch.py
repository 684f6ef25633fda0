#!/usr/bin/python3
"""Time the tutorial's resnet9 in PyTorch and in wgtrain, in one run, and
print the ratios.

  compare_pytorch.py [--batch-size 32] [--steps 20] [--width 16]
                     [--backend cpu|webgpu] [--device cpu|cuda] [--wgtrain bin/wgtrain]

PyTorch runs the same network (scripts/gen_golden.py's resnet9 with
nn.Dropout), the same batch of random 3x32x32 images, cross-entropy and
Adam (lr 1e-3), eager mode, after 2 warm-up steps; evaluation is
torch.no_grad() forward passes in eval mode, after 1 warm-up batch.
wgtrain runs `wgtrain bench --json` with the same settings, which warms
up the same way (2 training steps, 1 evaluation batch). Needs Debian's python3-torch (CPU) or a
CUDA build of PyTorch for --device cuda. The machine is noisy: the two
runs alternate twice and the best of each is kept.
"""
import argparse, json, os, subprocess, sys, time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_golden import resnet9  # noqa: E402

# gen_golden pins one thread for reproducible fixtures; a speed comparison
# gives PyTorch every core, as wgtrain's CPU backend uses.
torch.set_num_threads(os.cpu_count())
torch.use_deterministic_algorithms(False)


def torch_bench(a):
    dev = torch.device(a.device)
    torch.manual_seed(0)
    model = resnet9(3, 10, a.width, dropout=nn.Dropout(0.2)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch_size, 3, 32, 32, device=dev)
    y = (torch.arange(a.batch_size) % 10).to(dev)
    loss_fn = nn.CrossEntropyLoss()

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    model.train()
    for _ in range(2):
        step().item()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    loss.item()
    sync()
    train = a.batch_size * a.steps / (time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        model(x).argmax(1).cpu()
        sync()
        t0 = time.perf_counter()
        for _ in range(a.steps):
            out = model(x).argmax(1)
        out.cpu()
        sync()
        ev = a.batch_size * a.steps / (time.perf_counter() - t0)
    return {"train_images_per_s": train, "eval_images_per_s": ev,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "device": a.device}


def wgtrain_bench(a):
    out = subprocess.run([a.wgtrain, "bench", "--backend", a.backend, "--batch-size", str(a.batch_size),
                          "--steps", str(a.steps), "--width", str(a.width), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--backend", default="cpu")
    p.add_argument("--device", default="cpu")
    p.add_argument("--wgtrain", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bin", "wgtrain"))
    a = p.parse_args()
    best_t, best_w = None, None
    for _ in range(2):
        t, w = torch_bench(a), wgtrain_bench(a)
        best_t = t if best_t is None or t["train_images_per_s"] > best_t["train_images_per_s"] else best_t
        best_w = w if best_w is None or w["train_images_per_s"] > best_w["train_images_per_s"] else best_w
    print(f"resnet9 width {a.width}, batch {a.batch_size}, {a.steps} steps; best of 2 alternating runs")
    print(f"PyTorch {best_t['torch']} on {best_t['device']} ({best_t['threads']} threads): "
          f"train {best_t['train_images_per_s']:.1f} images/s, eval {best_t['eval_images_per_s']:.1f}")
    print(f"wgtrain {best_w['backend']} ({best_w['adapter']}): train {best_w['train_images_per_s']:.1f} images/s, "
          f"eval {best_w['eval_images_per_s']:.1f}, first step {best_w['first_step_s']:.2f} s, peak RSS {best_w['peak_rss_mb']:.0f} MB")
    print(f"ratio wgtrain/PyTorch: train {best_w['train_images_per_s'] / best_t['train_images_per_s']:.2f}, "
          f"eval {best_w['eval_images_per_s'] / best_t['eval_images_per_s']:.2f}")
    print(json.dumps({"pytorch": best_t, "wgtrain": best_w}))


if __name__ == "__main__":
    main()
