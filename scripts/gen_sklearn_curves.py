#!/usr/bin/python3
"""Generate the curve and calibration fixtures of evalkit's tests.

Run from the repository root with Debian's python3-sklearn and numpy:

    /usr/bin/python3 scripts/gen_sklearn_curves.py

It writes evalkit/testdata/curves/<case>.json: targets and logits, then
per class (one-vs-rest on the softmax probabilities) scikit-learn's
precision_recall_curve, average_precision_score and roc_curve
(drop_intermediate=True), null for a class with no positive row (and ROC
for no negative row); then ECE, MCE and the 15 reliability bins, and the
fitted temperature with its NLL, from a plain float64 implementation in
this script (pure Python floats, rows summed in order, as the Go code
does): bin k holds k/15 <= p < (k+1)/15, p == 1 a 16th bin [1, 1]; the
temperature by bisection on the derivative of the mean NLL in 1/T over
[1/100, 1/0.01], an algorithm independent of the Go side's Newton steps.
The Go tests read these files and need no Python.
"""

import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics

OUT = os.path.join("evalkit", "testdata", "curves")
BINS = 15


def softmax_row(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    s = 0.0
    for v in e:
        s += v
    return [v / s for v in e]


def f32(rows):
    """decimal -> float64 -> float32 -> float64, as the Go side reads them."""
    return [[float(np.float32(v)) for v in row] for row in rows]


def calibration(y, z):
    count = [0] * (BINS + 1)
    sconf = [0.0] * (BINS + 1)
    sright = [0.0] * (BINS + 1)
    edges = [k / BINS for k in range(BINS + 1)]
    for t, row in zip(y, z):
        p = softmax_row(row)
        best = 0
        for j, v in enumerate(p):
            if v > p[best]:
                best = j
        c = p[best]
        k = 0
        while k < BINS and c >= edges[k + 1]:
            k += 1
        count[k] += 1
        sconf[k] += c
        sright[k] += 1.0 if best == t else 0.0
    bins, ece, mce = [], 0.0, 0.0
    for k in range(BINS + 1):
        if k == BINS and count[k] == 0:
            break
        lo, hi = edges[k], (edges[k + 1] if k < BINS else 1.0)
        conf = acc = 0.0
        if count[k]:
            conf, acc = sconf[k] / count[k], sright[k] / count[k]
            gap = abs(acc - conf)
            ece += gap * count[k] / len(y)
            mce = max(mce, gap)
        bins.append({"lower": lo, "upper": hi, "count": count[k],
                     "confidence": conf, "accuracy": acc})
    return {"ece": ece, "mce": mce, "bins": bins}


def mean_nll(y, z, t):
    s = 0.0
    for target, row in zip(y, z):
        x = [v / t for v in row]
        m = max(x)
        s += m + math.log(math.fsum(math.exp(v - m) for v in x)) - x[target]
    return s / len(y)


def slope(y, z, b):
    d = 0.0
    for target, row in zip(y, z):
        p = softmax_row([b * v for v in row])
        d += math.fsum(pi * v for pi, v in zip(p, row)) - row[target]
    return d / len(y)


def temperature(y, z):
    lo, hi = 1 / 100.0, 1 / 0.01
    if all(max(r) == min(r) for r in z):
        return 1.0
    if slope(y, z, lo) >= 0:
        return 100.0
    if slope(y, z, hi) <= 0:
        return 0.01
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid <= lo or mid >= hi:
            break
        if slope(y, z, mid) < 0:
            lo = mid
        else:
            hi = mid
    return 1 / ((lo + hi) / 2)


def fixture(name, y, raw, note):
    y = [int(v) for v in y]
    logits = f32(raw)
    c = len(logits[0])
    scores = np.array([softmax_row(r) for r in logits])
    per_class = []
    for k in range(c):
        pos = np.array([t == k for t in y])
        entry = {"class": k, "pr": None, "ap": None, "roc": None}
        if pos.any():
            p, r, th = metrics.precision_recall_curve(pos, scores[:, k])
            entry["pr"] = {"precision": p.tolist(), "recall": r.tolist(), "thresholds": th.tolist()}
            entry["ap"] = metrics.average_precision_score(pos, scores[:, k])
        if pos.any() and not pos.all():
            fpr, tpr, th = metrics.roc_curve(pos, scores[:, k], drop_intermediate=True)
            entry["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": th[1:].tolist()}
            entry["auc"] = metrics.auc(fpr, tpr)
        per_class.append(entry)
    t = temperature(y, logits)
    out = {
        "name": name, "note": note, "sklearn": sklearn.__version__, "classes": c,
        "targets": y, "logits": [list(map(float, r)) for r in raw],
        "curves": per_class,
        "calibration": calibration(y, logits),
        "temperature": t,
        "nll_before": mean_nll(y, logits, 1.0),
        "nll_after": mean_nll(y, logits, t),
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print(path, os.path.getsize(path), "bytes")


def main():
    if not os.path.isdir("evalkit"):
        sys.exit("run from the repository root")
    rng = np.random.default_rng(20261130)

    # 10 classes, a model-like spread of confidences; class 9 is absent
    # from the targets and never predicted.
    n, c = 300, 10
    y = rng.choice(9, size=n)
    z = rng.normal(0, 1.0, size=(n, c))
    z[np.arange(n), y] += 2.0 * (rng.random(n) < 0.7)
    z[:, 9] = -6.0
    fixture("random10", y, np.round(z, 3).tolist(), "class 9 absent and never predicted")

    # Confidences exactly on bin edges and 1: rows with 1, 3, 5 or 15 tied
    # top logits and the rest at -1000 (exp underflows to 0), so the top
    # probability is exactly 1, 1/3 = 5/15, 1/5 = 3/15 or 1/15; and tied
    # scores across rows for the curves. Class 14 is never predicted.
    rows, y = [], []
    for i in range(120):
        ties = [1, 3, 5, 15, 2][i % 5]
        first = int(rng.integers(0, 15 - ties + 1)) if ties < 15 else 0
        if ties < 15 and first + ties > 14:
            first = 14 - ties
        row = [-1000.0] * 15
        for j in range(first, first + ties):
            row[j] = 0.0
        if i % 7 == 0:  # a few rows with ordinary logits
            row = [float(v) for v in np.round(rng.normal(0, 1, 15), 3)]
            row[14] = -5.0
        rows.append(row)
        y.append(int(rng.choice(15)) if i % 3 else first)
    fixture("edges", y, rows, "confidences on bin edges and 1, ties, class 14 never predicted")

    # Two classes with well-spread logits, so the temperature is inside
    # its bracket and far from 1.
    y = rng.choice(2, size=80)
    z = rng.normal(0, 3.0, size=(80, 2))
    z[np.arange(80), y] += 1.0
    fixture("binary", y, np.round(z, 3).tolist(), "two classes, over-confident logits")


if __name__ == "__main__":
    main()
