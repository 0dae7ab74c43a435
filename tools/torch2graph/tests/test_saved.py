"""The training graphs' backward layers (derived by plan-cli's saved-tensor rules) against the
tensors PyTorch autograd really saves, layer by layer, on real models."""
import json
import os
import tempfile

import pytest
import torch
import torchvision

from torch2graph import compare, dumps, measure
from torch2graph.models import GPT2, Bert, UNet

from conftest import run_cli


def small(name):
    """The fixtures' architectures on small inputs (and, for the transformers, 2 of their 12
    blocks at full width), so that a CPU runs them in seconds."""
    torch.manual_seed(0)
    if name in ("resnet18", "resnet50", "mobilenet_v2", "vgg16", "densenet121"):
        return getattr(torchvision.models, name)(), (torch.randn(2, 3, 64, 64),)
    if name == "mobilenet_v2_mcu":
        return torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=2), (torch.randn(2, 3, 96, 96),)
    if name == "unet":
        return UNet(), (torch.randn(2, 3, 32, 32),)
    if name == "gpt2":
        return GPT2(positions=16, blocks=2), (torch.randint(0, 50257, (2, 16)), torch.arange(16).expand(2, 16))
    if name == "bert":
        return Bert(layers=2), (torch.randint(0, 30522, (2, 16)), torch.arange(16).expand(2, 16), torch.zeros(2, 16, dtype=torch.long))
    raise ValueError(name)


@pytest.mark.parametrize("name", ["vgg16", "resnet50", "mobilenet_v2", "unet", "gpt2", "bert", "mobilenet_v2_mcu", "densenet121"])
def test_saved_bytes_per_layer_match_the_training_graph(name, plan_cli):
    model, inputs = small(name)
    model.train()
    graph, saved = measure(model, inputs, name=name, batch=2)
    with tempfile.TemporaryDirectory() as d:
        forward, training = os.path.join(d, "f.json"), os.path.join(d, "t.json")
        open(forward, "w").write(dumps(graph))
        run_cli(plan_cli, "export", forward, "--training", "-o", training)
        rows = compare(json.load(open(training)), saved)
    assert len(rows) >= len([l for l in graph["layers"]]) * 0.9  # nearly every layer has a backward layer
    mismatches = [r for r in rows if not r.matches]
    assert not mismatches, "\n".join(f"{r.layer} ({r.op}): autograd {r.measured_bytes} B {r.measured}, graph {r.graph_bytes} B {r.graph}" for r in mismatches)
    # The explained differences are small: statistics and mask dtypes, under 30% of all saved bytes
    # at these small inputs.
    total = sum(r.graph_bytes for r in rows)
    explained = sum(int(e.split(" B ", 1)[0]) for r in rows for e in r.explained)
    assert explained <= 0.3 * total


def test_a_wrong_rule_would_be_caught(plan_cli):
    # Pretend every convolution's backward read nothing: the comparison must fail for each.
    model, inputs = small("resnet18")
    graph, saved = measure(model, inputs, name="r18", batch=2)
    with tempfile.TemporaryDirectory() as d:
        forward, training = os.path.join(d, "f.json"), os.path.join(d, "t.json")
        open(forward, "w").write(dumps(graph))
        run_cli(plan_cli, "export", forward, "--training", "-o", training)
        t = json.load(open(training))
    for layer in t["layers"]:
        if layer.get("op") == "conv2d_backward":
            layer["inputs"] = [i for i in layer["inputs"] if i.endswith(".grad")]
    rows = compare(t, saved)
    assert sum(1 for r in rows if not r.matches) == sum(1 for l in graph["layers"] if l["op"] == "conv2d")
