"""The model zoo (issue 17, target 1, first part): every torchvision classification and
segmentation model, and torch.nn's transformer modules, export with their exact parameter count,
and plan-cli prices every layer (ops without a formula by the documented fallback, never a
refusal). Shapes only: the models run on the meta device, so nothing is allocated."""
import json
import os
import tempfile
import warnings

import pytest
import torch
import torchvision

from torch2graph import dumps, export, parameter_count

from conftest import run_cli

CLASSIFICATION = torchvision.models.list_models(module=torchvision.models)
SEGMENTATION = torchvision.models.list_models(module=torchvision.models.segmentation)


def build(name):
    """The model on the meta device (RegNets compute their widths with tensors when built, which
    meta cannot: built on the CPU, then moved)."""
    kwargs = {"weights": None}
    if name in SEGMENTATION:
        kwargs["weights_backbone"] = None
    try:
        with torch.device("meta"):
            return torchvision.models.get_model(name, **kwargs)
    except NotImplementedError:
        return torchvision.models.get_model(name, **kwargs).to("meta")


def check(plan_cli, graph, model):
    assert parameter_count(graph) == sum(p.numel() for p in model.parameters())
    declared = {t["name"] for t in graph["tensors"]}
    assert all(i in declared for l in graph["layers"] for i in l["inputs"])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "g.json")
        open(path, "w").write(dumps(graph))
        run_cli(plan_cli, "analyze", path, "--training", "--format", "json")


@pytest.mark.parametrize("name", CLASSIFICATION + SEGMENTATION)
def test_torchvision_model_exports(plan_cli, name):
    model = build(name).train()
    size = 299 if name.startswith("inception") else 224
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback's warning, checked in test_export
        with torch.device("meta"):
            graph = export(model, (torch.randn(2, 3, size, size),), name=name, batch=2)
    check(plan_cli, graph, model)


def test_torch_nn_transformer_modules_export(plan_cli):
    x, y = torch.randn(2, 5, 32), torch.randn(2, 4, 32)
    cases = [
        (torch.nn.Transformer(d_model=32, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=64, batch_first=True), (x, y)),
        (torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(32, 2, 64, batch_first=True), 2, enable_nested_tensor=False), (x,)),
        (torch.nn.MultiheadAttention(32, 2, batch_first=True), (x, x, x)),
    ]
    for model, inputs in cases:
        check(plan_cli, export(model.train(), inputs, batch=2), model)
