"""The model zoo's torchvision models, built as the zoo test and benchmark build them."""
from __future__ import annotations

import torch
import torchvision


def torchvision_model(name: str):
    """Model `name` of torchvision, untrained, on the CPU, and its input size: 64×64 images (299
    for Inception v3, 96 for GoogLeNet, 224 for Swin and MaxViT, whose windows need it; ViTs at
    64, ViT-H/14 at 112, through their `image_size`)."""
    kwargs = {"weights": None}
    if name in torchvision.models.list_models(module=torchvision.models.segmentation):
        kwargs["weights_backbone"] = None
    size = 64
    if name.startswith("inception"):
        size = 299
    elif name == "googlenet":
        size = 96
    elif name.startswith(("swin", "maxvit")):
        size = 224
    elif name.startswith("vit"):
        size = 112 if name == "vit_h_14" else 64
        kwargs["image_size"] = size
    torch.manual_seed(0)
    return torchvision.models.get_model(name, **kwargs), size
