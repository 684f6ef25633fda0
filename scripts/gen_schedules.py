#!/usr/bin/python3
"""Write the fixture of the per-step learning rate and momentum (SGD's
momentum, Adam's beta1) of torch.optim.lr_scheduler.OneCycleLR, for
trainer/schedule_onecycle_test.go.

Run from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 scripts/gen_schedules.py

Each case builds an optimizer (SGD with momentum, or Adam) over one
parameter and a OneCycleLR over it, then for every step of the whole run
reads the learning rate and the momentum from optimizer.param_groups (the
values the optimizer uses for that step), calls optimizer.step() (with a
zero gradient) and then scheduler.step(), as a training loop does. Step i
(0-based) therefore holds the values after i calls of scheduler.step().
wgtrain's --schedule linear is OneCycleLR with anneal_strategy='linear'.
The cases go to trainer/testdata/schedules.json.
"""

import json
import os
import warnings

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainer", "testdata", "schedules.json")


def case(name, optimizer, total_steps, max_lr, pct_start=0.3, anneal="cos", div_factor=25.0,
         final_div_factor=1e4, cycle_momentum=True, base_momentum=0.85, max_momentum=0.95):
    p = torch.nn.Parameter(torch.zeros(2))
    if optimizer == "sgd":
        opt = torch.optim.SGD([p], lr=max_lr, momentum=0.9)
    else:
        opt = torch.optim.Adam([p], lr=max_lr, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start, anneal_strategy=anneal,
        div_factor=div_factor, final_div_factor=final_div_factor, cycle_momentum=cycle_momentum,
        base_momentum=base_momentum, max_momentum=max_momentum)
    lrs, moms = [], []
    for _ in range(total_steps):
        g = opt.param_groups[0]
        lrs.append(g["lr"])
        moms.append(g["momentum"] if optimizer == "sgd" else g["betas"][0])
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    return {
        "name": name, "optimizer": optimizer, "total_steps": total_steps, "max_lr": max_lr,
        "pct_start": pct_start, "anneal_strategy": anneal, "div_factor": div_factor,
        "final_div_factor": final_div_factor, "cycle_momentum": cycle_momentum,
        "base_momentum": base_momentum, "max_momentum": max_momentum,
        "lr": lrs, "momentum": moms,
    }


def main():
    warnings.simplefilter("ignore")
    cases = [
        case("cos_sgd_100", "sgd", 100, 0.1),
        case("cos_adam_100", "adam", 100, 1e-3),
        case("cos_sgd_37_pct0.25", "sgd", 37, 0.4, pct_start=0.25),
        case("cos_adam_37_pct0.5", "adam", 37, 3e-3, pct_start=0.5),
        case("linear_sgd_100", "sgd", 100, 0.1, anneal="linear"),
        case("linear_adam_37", "adam", 37, 2e-3, anneal="linear"),
        case("linear_adam_37_pct0.1", "adam", 37, 2e-3, pct_start=0.1, anneal="linear"),
        case("cos_sgd_37_div", "sgd", 37, 0.05, div_factor=10.0, final_div_factor=100.0,
             base_momentum=0.8, max_momentum=0.9),
        case("cos_adam_100_nocycle", "adam", 100, 1e-3, cycle_momentum=False),
        case("cos_sgd_3_pct0", "sgd", 3, 0.1, pct_start=0.0),
        case("cos_sgd_1", "sgd", 1, 0.1),
    ]
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
