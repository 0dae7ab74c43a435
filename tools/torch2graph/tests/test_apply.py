"""Applying a plan in PyTorch: the same gradients, less memory held for the backward pass."""
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

from torch2graph import PlannedModule, dumps, export, recomputed_layers

from conftest import run_cli

PROBE = os.path.join(os.path.dirname(__file__), "memory_probe.py")


def mlp():
    torch.manual_seed(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(256, 256), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(256, 10))


def make_plan(plan_cli, d, budget="50%"):
    model = mlp()
    x = torch.randn(4096, 256)
    forward, training, plan = (os.path.join(d, n) for n in ("f.json", "t.json", "plan.json"))
    open(forward, "w").write(dumps(export(model, (x,), name="mlp", batch=4096)))
    run_cli(plan_cli, "export", forward, "--training", "-o", training)
    run_cli(plan_cli, "plan", training, "--budget", budget, "--solver", "best-baseline", "-o", plan)
    return plan


def test_gradients_are_bitwise_equal_under_the_plan(plan_cli):
    with tempfile.TemporaryDirectory() as d:
        plan = json.load(open(make_plan(plan_cli, d)))
    assert recomputed_layers(plan), "the plan at 50% must recompute something"
    model = mlp()
    x, labels = torch.randn(4096, 256), torch.randint(0, 10, (4096,))
    planned = PlannedModule(model, plan, (x,))

    def gradients(m):
        model.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(m(x), labels).backward()
        return [p.grad.clone() for p in model.parameters()]

    plain, replanned = gradients(model), gradients(planned)
    assert all(torch.equal(a, b) for a, b in zip(plain, replanned))


def test_the_plan_holds_less_memory_for_backward(plan_cli):
    with tempfile.TemporaryDirectory() as d:
        plan = make_plan(plan_cli, d)
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")  # every tensor its own mapping: RSS tracks them
        held = {}
        for which in ("none", plan):
            r = subprocess.run([sys.executable, PROBE, which], capture_output=True, text=True, env=env, check=True)
            held[which] = int(r.stdout.split()[-1])
    # Without the plan the eight ReLU outputs stay (8 × 4 MiB) with the logits' softmax; the plan
    # keeps about half.
    assert 32 * 2**20 <= held["none"] <= 34 * 2**20
    assert held[plan] < 0.6 * held["none"]
