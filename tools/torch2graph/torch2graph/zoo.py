"""The model zoo's torchvision models, built as the zoo test and benchmark build them, and the
budget range plan-cli gives a training graph."""
from __future__ import annotations

import re
import subprocess

import torch
import torchvision


def checkpoint_all_peak(plan_cli: str, training: str, output: str | None = None) -> int:
    """The keep-everything peak of a training graph file, in bytes (`output`: where to write
    that plan)."""
    r = subprocess.run([plan_cli, "plan", training, "--budget", "100%", "--solver", "checkpoint-all"]
                       + (["-o", output] if output else []), capture_output=True, text=True, check=True)
    return int(re.search(r"peak: +[^(]*\((\d+) B\)", r.stdout).group(1))


def smallest_budget(plan_cli: str, training: str) -> int:
    """The smallest budget best-baseline reaches on a training graph file, in bytes (from
    plan-cli's error at a budget of 1%)."""
    r = subprocess.run([plan_cli, "plan", training, "--budget", "1%", "--solver", "best-baseline", "--time-limit", "3"],
                       capture_output=True, text=True)
    return int(re.search(r"smallest feasible budget found is [^(]*\((\d+) B\)", r.stderr).group(1))


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
