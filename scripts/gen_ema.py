#!/usr/bin/python3
"""Write the fixture of the weights' exponential moving average, computed
with torch.optim.swa_utils.AveragedModel, for trainer/ema_test.go.

Run from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 scripts/gen_ema.py

No training: a module with two parameters (a [3, 2] weight and a [4]
bias, plus a batch-norm-like buffer that use_buffers=False leaves alone)
is given a fixed sequence of float32 values (pseudo-random, seeded), and
after each one AveragedModel.update_parameters is called with the EMA
avg_fn decay*averaged + (1-decay)*current. Its first update copies the
weights (n_averaged == 0). For each decay, the values fed and the average
after every update are written to trainer/testdata/ema.json.
"""

import json
import os

import torch
from torch.optim.swa_utils import AveragedModel

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer", "testdata", "ema.json")
STEPS = 6


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(3, 2))
        self.bias = torch.nn.Parameter(torch.zeros(4))
        self.register_buffer("running_mean", torch.zeros(4))


def case(decay, seed):
    g = torch.Generator().manual_seed(seed)
    model = Tiny()

    def avg_fn(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current

    ema = AveragedModel(model, avg_fn=avg_fn)
    steps = []
    for _ in range(STEPS):
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=g))
            model.running_mean.copy_(torch.randn(4, generator=g))
        ema.update_parameters(model)
        steps.append({
            "weights": [p.detach().flatten().tolist() for p in model.parameters()],
            "ema": [p.detach().flatten().tolist() for p in ema.module.parameters()],
        })
    assert torch.all(ema.module.running_mean == 0), "use_buffers=False averages no buffer"
    return {"decay": decay, "shapes": [list(p.shape) for p in model.parameters()], "steps": steps}


def main():
    cases = [case(0.9, 1), case(0.999, 2), case(0.0, 3)]
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
