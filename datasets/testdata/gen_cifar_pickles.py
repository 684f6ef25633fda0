#!/usr/bin/python3
"""Write small CIFAR Python-version files, made with the real pickle and
numpy, for the tests of the datasets package.

Run from the repository root with Debian's interpreter (it has numpy):

    /usr/bin/python3 datasets/testdata/gen_cifar_pickles.py

The real CIFAR files were written by Python 2's cPickle at protocol 2:
a dict with str keys (b'data', b'labels', ...), the images a numpy
uint8 array of shape (N, 3072) pickled through
numpy.core.multiarray._reconstruct, its bytes a Python 2 str (the
BINSTRING opcode). Python 3 writes bytes differently at protocol 2
(_codecs.encode), so the "py2" files here come from Python's own pickler
with one change: bytes and str are written as Python 2 str, as cPickle
did. Each file is loaded back with pickle.load(f, encoding='bytes'), the
way torchvision reads CIFAR, and compared with what was pickled.

Pixel j of image i is (i*37 + c*101 + y*7 + x*3) % 256 where
j = c*1024 + y*32 + x, c the channel (R, G, B), y the row, x the column;
the Go tests compute the same.
"""

import io
import os
import pickle
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pickle")
N = 3
CIFAR10_LABELS = [3, 9, 0]
CIFAR100_FINE = [99, 0, 42]
CIFAR100_COARSE = [19, 0, 7]
CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"]


def images(n=N):
    i = np.arange(n).reshape(n, 1, 1, 1)
    c = np.arange(3).reshape(1, 3, 1, 1)
    y = np.arange(32).reshape(1, 1, 32, 1)
    x = np.arange(32).reshape(1, 1, 1, 32)
    return ((i * 37 + c * 101 + y * 7 + x * 3) % 256).astype(np.uint8).reshape(n, 3072)


class Py2Pickler(pickle._Pickler):
    """Python's pickler writing bytes and str as Python 2 str."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj, save_persistent_id=True):
        b = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(b) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(b)) + b)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str


def dumps(obj, style):
    f = io.BytesIO()
    if style == "py2":
        Py2Pickler(f, protocol=2).dump(obj)
    else:
        pickle.dump(obj, f, protocol=int(style[len("proto"):]))
    return f.getvalue()


def check(data, obj):
    got = pickle.loads(data, encoding="bytes")
    if not isinstance(obj, dict):
        assert got == obj, (got, obj)
        return
    assert set(got) == set(obj), (set(got), set(obj))
    for k, v in obj.items():
        if isinstance(v, np.ndarray):
            assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
            assert np.array_equal(got[k], v), k
            assert got[k].flags.f_contiguous == v.flags.f_contiguous or v.ndim < 2, k
        else:
            assert got[k] == v, (k, got[k], v)


def write(name, obj, style):
    data = dumps(obj, style)
    check(data, obj)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def batch(label_key_values, data=None, label="training batch 1 of 5"):
    d = {b"batch_label": label.encode(),
         b"data": images() if data is None else data,
         b"filenames": [b"img_%d.png" % i for i in range(N)]}
    d.update(label_key_values)
    return d


def main():
    os.makedirs(OUT, exist_ok=True)
    c10 = batch({b"labels": CIFAR10_LABELS})
    for style in ("py2", "proto2", "proto3", "proto4", "proto5"):
        write("cifar10_%s_data_batch" % style, c10, style)
    write("cifar10_fortran_data_batch",
          batch({b"labels": CIFAR10_LABELS}, data=np.asfortranarray(images())), "py2")
    write("cifar10_py2_batches.meta",
          {b"label_names": [n.encode() for n in CIFAR10_NAMES],
           b"num_cases_per_batch": 10000, b"num_vis": 3072}, "py2")
    c100 = batch({b"fine_labels": CIFAR100_FINE, b"coarse_labels": CIFAR100_COARSE},
                 label="training batch 1 of 1")
    write("cifar100_py2_train", c100, "py2")
    write("cifar100_py2_meta",
          {b"fine_label_names": [b"fine%d" % i for i in range(100)],
           b"coarse_label_names": [b"coarse%d" % i for i in range(20)]}, "py2")
    # Bad files: well-formed pickles holding the wrong thing.
    write("bad_shape", batch({b"labels": CIFAR10_LABELS},
                             data=images().reshape(N * 3, 1024)), "py2")
    write("bad_dtype", batch({b"labels": CIFAR10_LABELS},
                             data=images().astype(np.int16)), "py2")
    write("bad_label", batch({b"labels": [3, 10, 0]}), "py2")
    write("bad_data_none", {b"data": None, b"labels": CIFAR10_LABELS}, "py2")
    write("bad_not_dict", [b"data", 1, 2], "py2")
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
