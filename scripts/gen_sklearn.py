#!/usr/bin/python3
"""Generate the scikit-learn fixtures of evalkit's tests.

Run from the repository root with Debian's python3-sklearn and numpy:

    /usr/bin/python3 scripts/gen_sklearn.py

It writes evalkit/testdata/sklearn_<case>.json: the targets and float32
logits of a random case, and every number of the classification report as
scikit-learn computes it (precision, recall, F1, F-beta, support, micro,
macro and weighted averages, accuracy, top-k accuracy, one-vs-rest ROC AUC
per class with its macro and weighted averages, the confusion matrix raw
and row-normalized). The Go tests read these files and need no Python.

Conventions that wgtrain shares with scikit-learn and that this script
pins down: labels=range(C) (every class counts in the macro average, also
one absent from both targets and predictions), zero_division=0, and the
prediction is numpy's argmax (the lower index on ties). AUC per class is
roc_auc_score(y == c, softmax[:, c]) and left out (null) when the class
has no positive or no negative row; its macro and weighted averages are
over the classes that have one. Top-k accuracy is left out (null) for the
case with tied logits: scikit-learn ranks tied logits higher index first,
wgtrain lower index first, as arg-max does; and for two classes, where
scikit-learn wants one column of scores.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics

BETAS = [0.5, 2.0]
OUT = os.path.join("evalkit", "testdata")


def logits_from(values):
    """Round to 3 decimals, as the JSON carries them, then to float32:
    the Go side does the same (decimal -> float64 -> float32)."""
    as_list = [[float("%.3f" % v) for v in row] for row in values]
    return as_list, np.array(as_list, dtype=np.float64).astype(np.float32)


def softmax(logits32):
    x = logits32.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fixture(name, y, raw_logits, note, topk=True):
    c = raw_logits.shape[1]
    labels = list(range(c))
    as_list, logits = logits_from(raw_logits)
    if name == "ties":  # integers already; keep them exact
        as_list = raw_logits.tolist()
        logits = raw_logits.astype(np.float32)
    pred = logits.argmax(axis=1)
    scores = softmax(logits)

    p, r, f, s = metrics.precision_recall_fscore_support(
        y, pred, labels=labels, zero_division=0)
    out = {
        "name": name,
        "note": note,
        "sklearn": sklearn.__version__,
        "classes": c,
        "targets": [int(v) for v in y],
        "logits": as_list,
        "pred": [int(v) for v in pred],
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": [int(v) for v in s],
        "accuracy": metrics.accuracy_score(y, pred),
    }
    for avg in ["micro", "macro", "weighted"]:
        ap, ar, af, _ = metrics.precision_recall_fscore_support(
            y, pred, labels=labels, average=avg, zero_division=0)
        out[avg] = {"precision": ap, "recall": ar, "f1": af}
    out["fbeta"] = []
    for beta in BETAS:
        fb = {"beta": beta,
              "per_class": metrics.fbeta_score(y, pred, beta=beta, labels=labels,
                                               average=None, zero_division=0).tolist()}
        for avg in ["micro", "macro", "weighted"]:
            fb[avg] = metrics.fbeta_score(y, pred, beta=beta, labels=labels,
                                          average=avg, zero_division=0)
        out["fbeta"].append(fb)
    out["topk"] = {}
    for k in [1, 3, 5]:
        if c > k and c > 2:  # sklearn wants 1-d scores for two classes
            out["topk"][str(k)] = (metrics.top_k_accuracy_score(y, logits, k=k, labels=labels)
                                   if topk else None)

    auc = []
    for k in range(c):
        pos = y == k
        if pos.all() or not pos.any():
            auc.append(None)
        else:
            auc.append(metrics.roc_auc_score(pos, scores[:, k]))
    out["auc"] = auc
    defined = [k for k in range(c) if auc[k] is not None]
    out["auc_macro"] = float(np.mean([auc[k] for k in defined]))
    out["auc_weighted"] = float(np.average([auc[k] for k in defined],
                                           weights=[s[k] for k in defined]))
    if len(defined) == c and c > 2:
        # scikit-learn's own averaging, where it applies.
        for avg in ["macro", "weighted"]:
            v = metrics.roc_auc_score(y, scores, multi_class="ovr", average=avg, labels=labels)
            assert abs(v - out["auc_" + avg]) < 1e-12, (name, avg, v, out["auc_" + avg])

    out["confusion"] = metrics.confusion_matrix(y, pred, labels=labels).tolist()
    out["confusion_normalized"] = metrics.confusion_matrix(
        y, pred, labels=labels, normalize="true").tolist()

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "sklearn_%s.json" % name)
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print(path, os.path.getsize(path), "bytes")


def model_like(rng, n, c, boost, class_p=None):
    """Targets from class_p and logits that favour the target."""
    y = rng.choice(c, size=n, p=class_p)
    z = rng.normal(0, 1.0, size=(n, c))
    z[np.arange(n), y] += boost * (rng.random(n) < 0.7)
    return y, z


def main():
    if not os.path.isdir("evalkit"):
        sys.exit("run from the repository root")
    rng = np.random.default_rng(20240601)

    p = rng.dirichlet(np.ones(10) * 2)
    y, z = model_like(rng, 300, 10, 1.5, p)
    fixture("random10", y, z, "10 classes, unequal supports")

    y, z = model_like(rng, 150, 30, 2.5)
    fixture("random30", y, z, "30 classes, some with few rows")

    # Class 4 is absent from the targets, class 5 is never predicted.
    y = rng.choice([0, 1, 2, 3, 5], size=150)
    z = rng.normal(0, 1.0, size=(150, 6))
    z[np.arange(150), y] += 1.0
    z[:, 5] = -8.0
    fixture("missing", y, z, "class 4 absent from the targets, class 5 never predicted")

    # Every row one of six prototype rows, some with tied logits: many
    # tied scores across rows (AUC ties count one half) and tied logits
    # within a row (arg-max takes the lower index). The prototypes' logit
    # multisets differ even up to a shift (softmax does not see shifts), so
    # rows that tie are identical rows and tie in any float arithmetic, not
    # by luck of the summation order.
    protos = np.array([[1, 1, 0, -1], [0, 0, 0, 0], [2, 0, 2, 0.5],
                       [-1, 0, -1, 3], [0.5, 2.5, 0.5, -2], [0, 3, -2, 3]], dtype=np.float64)
    y = rng.choice(4, size=120)
    pick = np.where(rng.random(120) < 0.5, y, rng.choice(6, size=120))
    z = protos[pick]
    fixture("ties", y, z, "tied logits and scores", topk=False)

    y, z = model_like(rng, 80, 2, 1.0)
    fixture("binary", y, z, "two classes")


if __name__ == "__main__":
    main()
