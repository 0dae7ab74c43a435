"""Bytes the process gains over one forward pass whose graph stays alive for backward: the
activation memory held for the backward pass. Run with MALLOC_MMAP_THRESHOLD_ set low, so that
every tensor is its own mapping and the resident set follows them exactly.

    MALLOC_MMAP_THRESHOLD_=65536 python memory_probe.py none|PLAN.json
"""
import gc
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from test_apply import mlp  # noqa: E402
from torch2graph import PlannedModule  # noqa: E402


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


torch.set_num_threads(1)
model = mlp()
x, labels = torch.randn(4096, 256), torch.randint(0, 10, (4096,))
m = model if sys.argv[1] == "none" else PlannedModule(model, json.load(open(sys.argv[1])), (x,))
nn.functional.cross_entropy(m(x), labels).backward()  # warm up
model.zero_grad(set_to_none=True)
gc.collect()
before = resident()
loss = nn.functional.cross_entropy(m(x), labels)
print(resident() - before)
