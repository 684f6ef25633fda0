#!/usr/bin/python3
"""Write the fixture of torch.utils.data.distributed.DistributedSampler's
shards, for datasets/shard_test.go.

Run from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 scripts/gen_shards.py

For each case (n samples, N ranks) the script records, for every rank r,
the indices that DistributedSampler(range(n), num_replicas=N, rank=r,
shuffle=False, drop_last=False) yields, together with len(sampler).
With shuffle=False the sampler's padding (to a multiple of N, by
repeating indices from the start) and striding (rank r takes r, r+N, ...)
are visible without torch's randperm: they are positions in the epoch
order. wgtrain shuffles with its own generator before sharding, so the Go
test reads these indices as positions and maps them through wgtrain's
epoch order. The cases include n not divisible by N and n < N (the
padding then repeats the whole order more than once). The cases go to
datasets/testdata/shards.json.
"""

import json
import os

import torch
from torch.utils.data.distributed import DistributedSampler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "testdata", "shards.json")

CASES = [(10, 2), (11, 2), (10, 3), (7, 4), (3, 5), (1, 3), (2, 2), (20, 6), (64, 3)]


def main():
    cases = []
    for n, size in CASES:
        ranks = []
        for r in range(size):
            s = DistributedSampler(list(range(n)), num_replicas=size, rank=r, shuffle=False, drop_last=False)
            s.set_epoch(1)
            ranks.append({"rank": r, "len": len(s), "indices": list(s)})
        cases.append({"n": n, "size": size, "ranks": ranks})
    doc = {
        "generator": "scripts/gen_shards.py",
        "torch": torch.__version__,
        "sampler": "DistributedSampler(shuffle=False, drop_last=False)",
        "cases": cases,
    }
    # One case per line, so that a diff of the fixture reads case by case.
    head = json.dumps({k: v for k, v in doc.items() if k != "cases"})[:-1]
    lines = ",\n  ".join(json.dumps(c, separators=(",", ":")) for c in cases)
    with open(OUT, "w") as f:
        f.write(head + ',\n "cases": [\n  ' + lines + "\n ]\n}\n")


if __name__ == "__main__":
    main()
