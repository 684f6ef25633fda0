#!/usr/bin/python3
"""Generate the image-decoding fixture of wgtrain's folder data sets.

Run as:  /usr/bin/python3 scripts/gen_imagefolder.py   (from any directory)

It needs Debian's python3-pil (Pillow 9.4 here) and nothing else. torchvision
is not needed: torchvision's Resize(S) on a PIL image (its ImageFolder
default) is PIL's Image.resize with BILINEAR, which Pillow always antialiases
(the filter support is widened by the scale factor when shrinking), to the
size (S, int(S*long/short)); CenterCrop(S) crops at int(round((h-S)/2)),
int(round((w-S)/2)). Both are written out below as torchvision 0.14 does
them, so that the fixture is torchvision's output without torch.

1. Small test images, generated deterministically (no random module: pixel
   values are arithmetic in x, y), into datasets/testdata/images/: RGB,
   gray, paletted, RGBA with alpha, 16-bit gray PNG, CMYK JPEG, JPEGs
   carrying EXIF orientations 1..8, a two-frame GIF, BMP, TIFF, WebP
   (lossless), an upscale and a large downscale.
2. datasets/testdata/imagefolder.json: for each (file, size, channels) the
   expected uint8 tensor, channel planes, flattened. What wgtrain does that
   torchvision does not is computed the way wgtrain documents it: EXIF
   orientation applied first (PIL's ImageOps.exif_transpose; torchvision
   ignores it), alpha composited on black (PIL's convert("RGB") drops it),
   16-bit gray reduced to its high byte (PIL's convert clips it instead).
"""
import json
import os

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "datasets", "testdata")
IMG = os.path.join(OUT, "images")


def pattern(w, h, phase=0):
    """An RGB image with smooth gradients and a sharp, asymmetric mark."""
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            r = (x * 255) // max(w - 1, 1)
            g = (y * 255) // max(h - 1, 1)
            b = ((x * 7 + y * 13 + phase) * 5) % 256
            if x < w // 4 and y < h // 3:  # a block in the top-left corner
                r, g, b = 250, 20, 30
            px[x, y] = (r, g, b)
    return im


def torchvision_resize_crop(im, s):
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    if short != s:
        new_long = int(s * long / short)
        nw, nh = (s, new_long) if w <= h else (new_long, s)
        im = im.resize((nw, nh), Image.BILINEAR)
    w, h = im.size
    top = int(round((h - s) / 2.0))
    left = int(round((w - s) / 2.0))
    return im.crop((left, top, left + s, top + s))


def planes(im):
    bands = im.split()
    out = []
    for b in bands:
        out.extend(b.getdata())
    return out


def to_mode(im, channels):
    return im.convert("L") if channels == 1 else im.convert("RGB")


def main():
    os.makedirs(IMG, exist_ok=True)
    cases = []  # (file, upright image in a mode PIL can convert, sizes)

    def add(name, upright, sizes=((16, 3), (16, 1))):
        cases.append((name, upright, sizes))

    rgb = pattern(40, 30)
    rgb.save(os.path.join(IMG, "rgb.png"))
    add("rgb.png", rgb, ((16, 3), (16, 1), (30, 3), (40, 3)))

    gray = pattern(50, 70, 3).convert("L")
    gray.save(os.path.join(IMG, "gray.png"))
    add("gray.png", gray)

    pal = pattern(33, 47, 9).quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal.save(os.path.join(IMG, "paletted.png"))
    add("paletted.png", pal.convert("RGB"))

    rgba = pattern(36, 36, 5).convert("RGBA")
    a = Image.new("L", (36, 36))
    a.putdata([(x * 7) % 256 if y > 6 else 255 for y in range(36) for x in range(36)])
    rgba.putalpha(a)
    rgba.save(os.path.join(IMG, "rgba.png"))
    black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
    add("rgba.png", Image.alpha_composite(black, rgba).convert("RGB"))

    g16 = Image.new("I;16", (30, 20))
    g16.putdata([(x * 2000 + y * 900) % 65536 for y in range(20) for x in range(30)])
    g16.save(os.path.join(IMG, "gray16.png"))
    hi = Image.new("L", (30, 20))
    hi.putdata([((x * 2000 + y * 900) % 65536) >> 8 for y in range(20) for x in range(30)])
    add("gray16.png", hi)

    # CMYK JPEG: flat colour blocks (JPEG keeps them nearly exact); the
    # expected RGB is the multiplicative conversion of the written values.
    cmyk_vals = [(0, 0, 0, 0), (200, 30, 0, 10), (10, 180, 60, 40), (0, 0, 0, 200)]
    cmyk = Image.new("CMYK", (32, 32))
    exp = Image.new("RGB", (32, 32))
    for i, v in enumerate(cmyk_vals):
        box = ((i % 2) * 16, (i // 2) * 16, (i % 2) * 16 + 16, (i // 2) * 16 + 16)
        cmyk.paste(v, box)
        c, m, y, k = v
        exp.paste(tuple(round((255 - ch) * (255 - k) / 255) for ch in (c, m, y)), box)
    cmyk.save(os.path.join(IMG, "cmyk.jpg"), quality=100, subsampling=0)
    add("cmyk.jpg", exp, ((32, 3),))

    # EXIF orientations: the stored pixels are the upright image turned by
    # the inverse of the orientation, so that every file shows the same.
    up = pattern(24, 16, 1)
    up.save(os.path.join(IMG, "upright.png"))
    inverse = {
        1: lambda im: im,
        2: lambda im: im.transpose(Image.FLIP_LEFT_RIGHT),
        3: lambda im: im.transpose(Image.ROTATE_180),
        4: lambda im: im.transpose(Image.FLIP_TOP_BOTTOM),
        5: lambda im: im.transpose(Image.TRANSPOSE),
        6: lambda im: im.transpose(Image.ROTATE_90),
        7: lambda im: im.transpose(Image.TRANSVERSE),
        8: lambda im: im.transpose(Image.ROTATE_270),
    }
    for o in range(1, 9):
        stored = inverse[o](up)
        ex = Image.Exif()
        ex[0x0112] = o
        name = "exif%d.jpg" % o
        stored.save(os.path.join(IMG, name), quality=95, subsampling=0, exif=ex.tobytes())
        with Image.open(os.path.join(IMG, name)) as f:
            upright = ImageOps.exif_transpose(f).convert("RGB")
        assert upright.size == up.size, (o, upright.size)
        add(name, upright, ((16, 3),))

    f0, f1 = pattern(20, 20, 2), pattern(20, 20, 100)
    f0q = f0.quantize(colors=32, dither=Image.Dither.NONE)
    f1q = f1.quantize(colors=32, dither=Image.Dither.NONE)
    f0q.save(os.path.join(IMG, "anim.gif"), save_all=True, append_images=[f1q])
    add("anim.gif", f0q.convert("RGB"), ((16, 3),))

    bmp = pattern(21, 19, 4)
    bmp.save(os.path.join(IMG, "rgb.bmp"))
    add("rgb.bmp", bmp, ((16, 3),))
    tif = pattern(26, 22, 6)
    tif.save(os.path.join(IMG, "rgb.tiff"))
    add("rgb.tiff", tif, ((16, 3),))
    webp = pattern(22, 26, 8)
    webp.save(os.path.join(IMG, "rgb.webp"), lossless=True)
    add("rgb.webp", webp, ((16, 3),))

    small = pattern(10, 14, 11)
    small.save(os.path.join(IMG, "small.png"))
    add("small.png", small, ((16, 3), (32, 1)))

    big = pattern(300, 200, 12)
    big.save(os.path.join(IMG, "big.png"))
    add("big.png", big, ((32, 3), (32, 1), (8, 3)))

    out = []
    for name, upright, sizes in cases:
        for s, ch in sizes:
            t = torchvision_resize_crop(to_mode(upright, ch), s)
            out.append({"file": name, "size": s, "channels": ch, "pixels": planes(t)})
    with open(os.path.join(OUT, "imagefolder.json"), "w") as f:
        json.dump({"generator": "scripts/gen_imagefolder.py (Pillow BILINEAR, torchvision Resize+CenterCrop)", "cases": out}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
