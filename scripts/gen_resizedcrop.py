#!/usr/bin/python3
"""Write the fixtures of the random resized crop's resize, computed with
torchvision, for datasets/resizedcrop_test.go.

Run from the repository root with Debian's interpreter and
python3-torchvision:

    /usr/bin/python3 scripts/gen_resizedcrop.py

Each case takes a uint8 image (C x H x W, pixel (c, y, x) =
(c*101 + y*37 + x*59 + (x*y) % 13 + k) % 256 for the case's k, so that
neighbouring pixels differ a lot and the filters' weights matter) and a
fixed crop box (top, left, height, width) -- not one drawn by torch's
generator -- and computes
torchvision.transforms.functional.resized_crop(img, top, left, h, w,
[S, S], BILINEAR, antialias=True) on the image converted to float32, so
the result is not rounded back to uint8. The output, C*S*S values in
pixel units (0..255), is written as raw little-endian float32 to
datasets/testdata/resizedcrop/<name>.f32, and the cases to
datasets/testdata/resizedcrop/cases.json.
"""

import json
import os

import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "testdata", "resizedcrop")

CASES = [
    # name, C, H, W, k, (top, left, h, w), S
    ("shrink_box", 3, 32, 32, 0, (2, 5, 27, 20), 16),  # both dimensions shrink (antialiased)
    ("enlarge_small", 3, 32, 32, 9, (10, 3, 11, 14), 32),  # a small box blown up
    ("mixed", 1, 32, 32, 40, (0, 0, 20, 32), 32),  # height enlarged, width unchanged
    ("whole_down", 1, 28, 28, 77, (0, 0, 28, 28), 20),  # whole image shrunk by a non-integer factor
    ("corner_up", 3, 24, 24, 200, (13, 11, 11, 13), 24),  # bottom-right corner
    ("identity", 1, 16, 16, 5, (0, 0, 16, 16), 16),  # no resize at all
]


def image(c, h, w, k):
    ch = torch.arange(c).view(c, 1, 1)
    y = torch.arange(h).view(1, h, 1)
    x = torch.arange(w).view(1, 1, w)
    return ((ch * 101 + y * 37 + x * 59 + (x * y) % 13 + k) % 256).to(torch.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, c, h, w, k, (top, left, bh, bw), s in CASES:
        img = image(c, h, w, k).float()
        out = TF.resized_crop(img, top, left, bh, bw, [s, s], InterpolationMode.BILINEAR, antialias=True)
        assert out.shape == (c, s, s), out.shape
        with open(os.path.join(OUT, name + ".f32"), "wb") as f:
            f.write(out.contiguous().numpy().astype("<f4").tobytes())
        cases.append({"Name": name, "C": c, "H": h, "W": w, "K": k, "Box": [top, left, bh, bw], "S": s, "File": name + ".f32"})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"Torch": torch.__version__, "Torchvision": __import__("torchvision").__version__, "Cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
