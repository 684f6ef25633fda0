#!/usr/bin/python3
"""Write the optimizer fixture, computed with torch.optim.SGD, Adam and
AdamW, for trainer/optim_golden_test.go.

Run from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 scripts/gen_optim.py

No model: three float32 parameter tensors ([3, 2], [5] and [2, 1, 3, 3])
start from fixed pseudo-random values (seeded) and receive a fixed
sequence of gradients, one per step for STEPS steps; some gradient
elements are 0 so that weight decay alone moves them. Each optimizer case
starts from the same parameters, sets .grad to the step's gradient and
calls step(); the parameters after every step are written to
trainer/testdata/optim.json with the gradients and each case's settings.
"""

import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer", "testdata", "optim.json")
STEPS = 6
SHAPES = [[3, 2], [5], [2, 1, 3, 3]]

CASES = [
    {"name": "sgd_momentum", "optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
    {"name": "sgd_nesterov_wd", "optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4},
    {"name": "sgd_wd", "optimizer": "sgd", "lr": 0.1, "weight_decay": 5e-4},
    {"name": "adam_wd", "optimizer": "adam", "lr": 1e-2, "weight_decay": 1e-2},
    {"name": "adamw_wd", "optimizer": "adamw", "lr": 1e-2, "weight_decay": 1e-2},
    # AdamW's weight_decay left at torch's default (0.01).
    {"name": "adamw_default", "optimizer": "adamw", "lr": 1e-2},
]


def make(case, params):
    kw = {"lr": case["lr"]}
    if case["optimizer"] == "sgd":
        kw.update(momentum=case.get("momentum", 0), nesterov=case.get("nesterov", False),
                  weight_decay=case.get("weight_decay", 0))
        return torch.optim.SGD(params, **kw)
    if "weight_decay" in case:
        kw["weight_decay"] = case["weight_decay"]
    opt = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[case["optimizer"]](params, **kw)
    case["weight_decay"] = opt.param_groups[0]["weight_decay"]  # record the default used
    return opt


def main():
    torch.manual_seed(16)
    init = [torch.randn(s, dtype=torch.float32) for s in SHAPES]
    grads = []
    for _ in range(STEPS):
        step = []
        for s in SHAPES:
            g = torch.randn(s, dtype=torch.float32).flatten()
            g[::4] = 0
            step.append(g.reshape(s))
        grads.append(step)
    cases = []
    for case in CASES:
        case = dict(case)
        params = [torch.nn.Parameter(p.clone()) for p in init]
        opt = make(case, params)
        after = []
        for step in grads:
            for p, g in zip(params, step):
                p.grad = g.clone()
            opt.step()
            after.append([p.detach().flatten().tolist() for p in params])
        case["params"] = after
        cases.append(case)
    out = {
        "torch": torch.__version__,
        "shapes": SHAPES,
        "init": [p.flatten().tolist() for p in init],
        "grads": [[g.flatten().tolist() for g in step] for step in grads],
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
