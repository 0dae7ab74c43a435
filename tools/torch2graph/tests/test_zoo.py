"""The model zoo (issue 17, target 1): every torchvision classification and segmentation model,
and torch.nn's transformer modules, export with their exact parameter count, plan-cli prices every
layer (ops without a formula by the documented fallback, never a refusal), and what autograd
saves in one training forward pass matches the training graph's backward layers with 0
unexplained differences. Small inputs on the CPU (Hugging Face models: test_huggingface.py)."""
import json
import os
import tempfile
import warnings

import pytest
import torch
import torchvision

from torch2graph import compare, dumps, measure, parameter_count
from torch2graph.zoo import torchvision_model

from conftest import run_cli

CLASSIFICATION = torchvision.models.list_models(module=torchvision.models)
SEGMENTATION = torchvision.models.list_models(module=torchvision.models.segmentation)


def check(plan_cli, graph, model, saved=None):
    """Exact parameters, declared tensors, every layer priced; with `saved` (torch2graph.measure),
    what autograd saved against the training graph: 0 unexplained differences."""
    assert parameter_count(graph) == sum(p.numel() for p in model.parameters())
    declared = {t["name"] for t in graph["tensors"]}
    assert all(i in declared for l in graph["layers"] for i in l["inputs"])
    with tempfile.TemporaryDirectory() as d:
        path, training = os.path.join(d, "g.json"), os.path.join(d, "t.json")
        open(path, "w").write(dumps(graph))
        run_cli(plan_cli, "analyze", path, "--training", "--format", "json")
        if saved is not None:
            run_cli(plan_cli, "export", path, "--training", "-o", training)
            rows = compare(json.load(open(training)), saved)
            assert rows
            bad = [(r.layer, r.op, r.measured_bytes, r.graph_bytes) for r in rows if not r.matches]
            assert not bad, f"{graph['name']}: {len(bad)} unexplained: {bad[:3]}"


@pytest.mark.parametrize("name", CLASSIFICATION + SEGMENTATION)
def test_torchvision_model_exports_and_saves_what_autograd_saves(plan_cli, name):
    model, size = torchvision_model(name)
    model.train()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback's warning, checked in test_export
        graph, saved = measure(model, (torch.randn(2, 3, size, size),), name=name, batch=2)
    check(plan_cli, graph, model, saved)


def test_torch_nn_transformer_modules_export(plan_cli):
    x, y = torch.randn(2, 5, 32), torch.randn(2, 4, 32)
    cases = [
        (torch.nn.Transformer(d_model=32, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=64, batch_first=True), (x, y)),
        (torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(32, 2, 64, batch_first=True), 2, enable_nested_tensor=False), (x,)),
        (torch.nn.MultiheadAttention(32, 2, batch_first=True), (x, x, x)),
    ]
    for model, inputs in cases:
        model.train()
        graph, saved = measure(model, inputs, batch=2)
        # Captured op by op (torch.export), not as one opaque layer.
        assert not {"multiheadattention", "transformerencoder", "transformer"} & {l["op"] for l in graph["layers"]}
        assert {"linear", "softmax"} <= {l["op"] for l in graph["layers"]} or "attention" in {l["op"] for l in graph["layers"]}
        check(plan_cli, graph, model, saved)
