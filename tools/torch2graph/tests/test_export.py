"""The exporter: parameter counts against the libraries', FLOPs against the convolution and
linear formulas, and the committed fixtures against a fresh export."""
import json
import os

import pytest
import torch
import torchvision

from torch2graph import dumps, export, parameter_count
from torch2graph.models import BUNDLED, GPT2, Bert, UNet, bundled

from conftest import ROOT


@pytest.mark.parametrize("name", ["vgg16", "resnet50", "mobilenet_v2"])
def test_torchvision_parameter_counts(name):
    with torch.device("meta"):
        model = getattr(torchvision.models, name)()
        graph = export(model, (torch.randn(2, 3, 224, 224),))
    assert parameter_count(graph) == sum(p.numel() for p in model.parameters())


def test_transformer_parameter_counts_match_hugging_face():
    # Hugging Face's GPT2Model and BertModel (default configurations), when installed; and the
    # figures they report (GPT-2 small 124,439,808; BERT-base 109,482,240).
    with torch.device("meta"):
        gpt2, bert, unet = GPT2(), Bert(), UNet()
        counts = {k: sum(p.numel() for p in m.parameters()) for k, m in (("gpt2", gpt2), ("bert", bert), ("unet", unet))}
    assert counts["gpt2"] == 124_439_808
    assert counts["bert"] == 109_482_240
    assert counts["unet"] == 31_037_698  # Ronneberger's channels, padded convolutions, transposed-convolution upsampling
    try:
        import transformers
    except ImportError:
        return
    with torch.device("meta"):
        assert counts["gpt2"] == sum(p.numel() for p in transformers.GPT2Model(transformers.GPT2Config()).parameters())
        assert counts["bert"] == sum(p.numel() for p in transformers.BertModel(transformers.BertConfig()).parameters())


def test_flops_of_convolutions_and_linear_layers_follow_the_formulas():
    with torch.device("meta"):
        model = torchvision.models.resnet50()
        graph = export(model, (torch.randn(2, 3, 224, 224),))
    shapes = {t["name"]: t["shape"] for t in graph["tensors"]}
    checked = 0
    for layer in graph["layers"]:
        out = shapes[layer["outputs"][0]]
        w = shapes[layer["inputs"][1]] if len(layer["inputs"]) > 1 else None
        if layer["op"] == "conv2d":
            # 2 · output elements · (c / groups) · r · s, from the weight [k, c/groups, r, s]
            expected = 2 * out[0] * out[1] * out[2] * out[3] * w[1] * w[2] * w[3]
        elif layer["op"] == "linear":
            expected = 2 * out[0] * out[1] * w[1]
        else:
            continue
        assert layer["flops"] == expected, layer["name"]
        checked += 1
    assert checked == 54  # 53 convolutions and the classifier


def test_every_value_has_a_producer_or_is_declared():
    model = UNet(width=4)
    graph = export(model, (torch.randn(1, 3, 32, 32),))
    declared = {t["name"] for t in graph["tensors"]}
    produced = {o for l in graph["layers"] for o in l["outputs"]}
    for l in graph["layers"]:
        assert set(l["inputs"]) <= declared
    for t in graph["tensors"]:
        assert t.get("kind") in ("input", "parameter") or t["name"] in produced


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_committed_fixtures_are_the_exporters_output(name):
    path = os.path.join(ROOT, "fixtures", "models", "exported", f"{name}.json")
    batch = BUNDLED[name]
    model, inputs, names = bundled(name, batch, device="meta")
    model.train()
    fresh = export(model, inputs, name=f"{name}-b{batch}", batch=batch, input_names=names)
    committed = json.load(open(path))
    fresh["exporter"] = committed["exporter"]  # the torch version that wrote it
    assert json.loads(dumps(fresh)) == committed


def test_the_graph_is_named_as_asked():
    model = UNet(width=4)
    assert export(model, (torch.randn(1, 3, 32, 32),), name="tiny-unet")["name"] == "tiny-unet"
    assert export(model, (torch.randn(1, 3, 32, 32),))["name"] == "unet"


def test_torchvision_vit_exports_through_multihead_attention_tuples():
    # nn.MultiheadAttention returns (output, None); the encoder block unpacks both (issue 17:
    # IndexError at the second getitem). A small ViT, torchvision's class.
    # torch.fx keeps nn.MultiheadAttention whole (method="fx"); by default the model is captured
    # with torch.export instead, op by op (test_zoo checks what that saves).
    model = torchvision.models.VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64)
    by_ops = export(model, (torch.randn(2, 3, 32, 32),))
    assert parameter_count(by_ops) == sum(p.numel() for p in model.parameters())
    assert len([l for l in by_ops["layers"] if l["op"] == "attention"]) == 2
    graph = export(model, (torch.randn(2, 3, 32, 32),), method="fx")
    assert parameter_count(graph) == sum(p.numel() for p in model.parameters())
    attention = [l for l in graph["layers"] if l["op"] == "multiheadattention"]
    assert len(attention) == 2
    # Every layer reads only declared tensors, and the attention output feeds the next layer.
    declared = {t["name"] for t in graph["tensors"]}
    assert all(i in declared for l in graph["layers"] for i in l["inputs"])
    readers = {i for l in graph["layers"] for i in l["inputs"]}
    assert all(o in readers for l in attention for o in l["outputs"])


def test_a_leaf_module_as_the_model_is_one_layer():
    # fx cannot trace nn.MultiheadAttention's or nn.TransformerEncoder's own forward; as the
    # model itself each becomes one layer, called with the example inputs.
    # With method="fx"; by default such a model is captured op by op with torch.export.
    mha = torch.nn.MultiheadAttention(32, 2, batch_first=True)
    x = torch.randn(2, 5, 32)
    assert {"linear", "matmul", "softmax"} <= {l["op"] for l in export(mha, (x, x, x))["layers"]}  # need_weights: no fused kernel
    graph = export(mha, (x, x, x), method="fx")
    assert [l["op"] for l in graph["layers"]] == ["multiheadattention"]
    assert len(graph["layers"][0]["inputs"]) == 3 + 4  # query, key, value (one tensor each) and 4 parameters
    assert parameter_count(graph) == sum(p.numel() for p in mha.parameters())
    encoder = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(32, 2, 64, batch_first=True), 2, enable_nested_tensor=False)
    graph = export(encoder, (x,), method="fx")
    assert parameter_count(graph) == sum(p.numel() for p in encoder.parameters())


def test_an_op_without_a_formula_is_priced_by_the_fallback_with_a_warning():
    # torchvision's stochastic depth in training mode: no formula in the cost model and nothing
    # counted by PyTorch's FLOP counter (issue 17: plan-cli refused efficientnet_b0).
    from torchvision.ops import StochasticDepth

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(8, 8)
            self.drop = StochasticDepth(0.2, "row")

        def forward(self, x):
            return x + self.drop(self.fc(x))

    # torch.fx keeps stochastic_depth as one call (method="fx"); by default such a library
    # function makes the exporter capture the model with torch.export, op by op.
    model = Block().train()
    assert "stochastic_depth" not in {l["op"] for l in export(model, (torch.randn(4, 8),))["layers"]}
    with pytest.warns(UserWarning, match="stochastic_depth"):
        graph = export(model, (torch.randn(4, 8),), method="fx")
    layer = next(l for l in graph["layers"] if l["op"] == "stochastic_depth")
    assert layer["flops"] == 4 * 8  # one operation per output element
    assert graph["exporter"]["cost_fallback"] == ["stochastic_depth"]
    # Known ops are not listed: the linear layer keeps the counter's FLOPs (2 · 4 · 8 · 8).
    assert next(l for l in graph["layers"] if l["op"] == "linear")["flops"] == 2 * 4 * 8 * 8


def test_a_tuple_passed_whole_is_read_element_by_element():
    class SplitCat(torch.nn.Module):
        def forward(self, x):
            return torch.cat(torch.split(x, 2, dim=1), dim=1) * 2

    graph = export(SplitCat(), (torch.randn(3, 6),))
    split = next(l for l in graph["layers"] if l["op"] == "split")
    concat = next(l for l in graph["layers"] if l["op"] == "concat")
    assert len(split["outputs"]) == 3
    assert concat["inputs"] == split["outputs"]


def test_the_cli_passes_factory_arguments(tmp_path):
    # A ViT at a small image size, through `python -m torch2graph module --factory-args`.
    from torch2graph.__main__ import main
    out = tmp_path / "vit.json"
    assert main(["module", "torchvision.models:vit_b_16", "--input", "1,3,32,32", "--factory-args", '{"image_size": 32}', "-o", str(out)]) == 0
    graph = json.load(open(out))
    assert parameter_count(graph) == sum(p.numel() for p in torchvision.models.vit_b_16(image_size=32).parameters())
    with pytest.raises(SystemExit):
        main(["module", "torchvision.models:vit_b_16", "--input", "1,3,32,32", "--factory-args", "[1]", "-o", str(out)])
