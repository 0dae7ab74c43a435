"""ONNX import, on a model exported with torch.onnx, against the exporter's own graph."""
import os
import tempfile
import warnings

import torch
import torch.nn as nn

from torch2graph import export, parameter_count
from torch2graph.onnx_import import import_onnx


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.relu2 = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(self.flatten(self.relu2(self.conv2(self.pool(self.relu1(self.conv1(x)))))))


def test_onnx_import_matches_the_torch_export():
    model = SmallCNN().eval()
    x = torch.randn(4, 3, 32, 32)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "cnn.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript-based exporter is deprecated, not gone
            torch.onnx.export(model, (x,), path, dynamo=False, input_names=["x"], output_names=["logits"])
        graph = import_onnx(path, batch=4)
        # Without batch=, the first input's first dimension (issue 17: --batch failed on imports).
        assert import_onnx(path)["batch"] == 4
    native = export(model, (x,))
    assert parameter_count(graph) == parameter_count(native) == sum(p.numel() for p in model.parameters())
    assert [l["op"] for l in graph["layers"]] == [l["op"] for l in native["layers"]]
    shapes = lambda g: [next(t["shape"] for t in g["tensors"] if t["name"] == l["outputs"][0]) for l in g["layers"]]
    assert shapes(graph) == shapes(native)
    conv2 = next(l for l in graph["layers"] if l["op"] == "conv2d" and l["attributes"]["stride"] == [2, 2])
    assert conv2["attributes"]["kernel"] == [3, 3] and conv2["attributes"]["padding"] == [1, 1]
    assert graph["outputs"] == ["logits"]


def test_an_onnx_file_with_a_free_dimension_is_refused():
    model = SmallCNN().eval()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "dyn.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.randn(1, 3, 32, 32),), path, dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "batch"}})
        try:
            import_onnx(path)
        except ValueError as e:
            assert "unknown dimension" in str(e) and "fixed input shapes" in str(e)
        else:
            raise AssertionError("a free batch dimension must be refused")
