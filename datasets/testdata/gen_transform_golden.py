#!/usr/bin/python3
"""Write golden outputs of the image transform, computed with PyTorch,
for the tests of the datasets package.

Run from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 datasets/testdata/gen_transform_golden.py

Each case takes a uint8 image (C x H x W, pixel (c, y, x) =
(c*101 + y*7 + x*3 + k) % 256 for the case's k), and does what
torchvision's pipeline does, with the random choices fixed: zero-pad,
centered, to 32x32 (torch.nn.functional.pad on the uint8 tensor);
RandomCrop(32, padding=4) at offset (dy, dx) of the 40x40 zero-padded
image; horizontal flip; ToTensor's x.float().div(255); Normalize's
x.sub_(mean).div_(std) per channel. The output is written as raw
little-endian float32, C*32*32 values, to transform/<name>.f32, and the
cases to transform/golden.json.
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transform")

CASES = [
    # name, C, H, W, k, mean, std, crop (dy, dx) or None, flip
    ("cifar_plain", 3, 32, 32, 0, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], None, False),
    ("cifar_crop_flip", 3, 32, 32, 11, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], (1, 7), True),
    ("cifar_crop_corner", 3, 32, 32, 5, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], (8, 0), False),
    ("fashion_pad", 1, 28, 28, 3, [0.2860], [0.3530], None, False),
    ("fashion_pad_crop_flip", 1, 28, 28, 200, [0.2860], [0.3530], (0, 8), True),
    ("mnist_pad_crop", 1, 28, 28, 77, [0.1307], [0.3081], (6, 2), False),
]


def image(c, h, w, k):
    ch = torch.arange(c).view(c, 1, 1)
    y = torch.arange(h).view(1, h, 1)
    x = torch.arange(w).view(1, 1, w)
    return ((ch * 101 + y * 7 + x * 3 + k) % 256).to(torch.uint8)


def transform(img, mean, std, crop, flip):
    c, h, w = img.shape
    top, left = (32 - h) // 2, (32 - w) // 2
    img = F.pad(img, (left, 32 - w - left, top, 32 - h - top))  # zeros
    if crop is not None:
        dy, dx = crop
        img = F.pad(img, (4, 4, 4, 4))[:, dy:dy + 32, dx:dx + 32]
    if flip:
        img = img.flip(-1)
    x = img.float().div(255)
    m = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)
    return x.sub_(m).div_(s).contiguous()


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = []
    for name, c, h, w, k, mean, std, crop, flip in CASES:
        out = transform(image(c, h, w, k), mean, std, crop, flip)
        assert out.shape == (c, 32, 32) and out.dtype == torch.float32
        fname = "%s.f32" % name
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(out.numpy().astype("<f4").tobytes())
        meta.append({"name": name, "c": c, "h": h, "w": w, "k": k, "mean": mean, "std": std,
                     "crop": list(crop) if crop else None, "flip": flip, "file": fname})
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": meta}, f, indent=1)
        f.write("\n")
    print("wrote", len(meta), "cases")


if __name__ == "__main__":
    main()
