"""timm's models, where timm installs (issue 17: "timm where it installs"): a sample of its
families exports with the exact parameter count, and what autograd saves matches the training
graph with 0 unexplained differences (as tests/test_zoo.py for torchvision)."""
import warnings

import pytest
import torch

from torch2graph import measure

from test_zoo import check

timm = pytest.importorskip("timm")

# CNNs, vision transformers, a windowed one, a hybrid, an MLP mixer.
MODELS = ["resnet18", "efficientnet_b0", "mobilenetv3_small_100", "convnext_atto", "regnety_002", "vit_tiny_patch16_224",
          "deit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "levit_128s", "mixer_b16_224"]


@pytest.mark.parametrize("name", MODELS)
def test_timm_model_exports_and_saves_what_autograd_saves(plan_cli, name):
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False, num_classes=10).train()
    size = model.default_cfg.get("input_size", (3, 224, 224))[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph, saved = measure(model, (torch.randn(2, 3, size, size),), name=name, batch=2)
    check(plan_cli, graph, model, saved)
