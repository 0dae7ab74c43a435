"""Memory of one training step, measured on the CPU from the process's resident set, and the same
figures predicted by a plan.

Measured (``measure_step``), in a process started with ``MALLOC_MMAP_THRESHOLD_=65536``: glibc
then gives every block of 64 KiB or more its own mapping and returns it when freed, so the
resident set follows the tensors. Two figures:

- *held for backward*: the resident set's growth over the forward pass and the loss, while
  their graph stays alive: what autograd — and selective checkpointing's cache — keeps for the
  backward pass, with the loss and the model's outputs;
- *peak*: the resident set's high-water mark over forward and backward (``/proc/self/status``'s
  VmHWM, reset through ``/proc/self/clear_refs`` first) less the resident set before the step,
  plus the bytes that were allocated before and that a plan counts (parameters, inputs,
  labels). Parameter gradients are allocated during the step: they start unset.

Predicted (``predict``): the plan's steps replayed over the training graph's tensor sizes: the
resident bytes just before the first backward layer runs, less parameters, inputs and labels
(*held for backward*), and the most resident bytes at any step (*peak*, the plan's own).
Linux only (procfs).
"""
from __future__ import annotations

import gc
import os
import time
import warnings

import torch
import torch.nn as nn

from .export import tensor_bytes


def resident() -> int:
    """Bytes of the process's resident set."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _high_water_mark() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _reset_high_water_mark() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def measure_step(model: nn.Module, inputs: tuple, labels: torch.Tensor, parameters: nn.Module | None = None) -> dict:
    """One training step of `model` (a module, or a PlannedModule) on `inputs` with a
    cross-entropy loss against `labels` (``labels_for``), as the training graph's loss: bytes held for backward,
    peak bytes, and the step's wall time in seconds. `parameters`: the module owning the
    parameters (default `model`); their gradients are set to None first."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        warnings.warn("MALLOC_MMAP_THRESHOLD_ is not set: freed tensors may stay resident and the figures are upper bounds")
    owner = parameters or model
    owner.zero_grad(set_to_none=True)
    counted = sum(p.numel() * p.element_size() for p in owner.parameters())
    counted += sum(x.numel() * x.element_size() for x in inputs if isinstance(x, torch.Tensor))
    counted += labels.numel() * labels.element_size()
    gc.collect()
    before = resident()
    _reset_high_water_mark()
    start = time.perf_counter()
    out = model(*inputs)
    loss = nn.functional.cross_entropy(_logits(out), labels)
    held = resident() - before
    loss.backward()
    seconds = time.perf_counter() - start
    peak = _high_water_mark() - before
    del out, loss
    return {"held": held, "peak": counted + peak, "seconds": seconds}


def _logits(out) -> torch.Tensor:
    """The prediction a loss is taken of: a Hugging Face output's logits (token rows flattened),
    a segmentation model's "out", a tuple's first tensor, or the tensor."""
    if hasattr(out, "logits"):
        out = out.logits
    elif isinstance(out, dict):
        out = out["out"]
    elif isinstance(out, (tuple, list)):
        out = out[0]
    return out.flatten(0, -2) if out.dim() == 3 else out


def labels_for(out) -> torch.Tensor:
    """Random labels for `_logits(out)`: one class per row (per pixel for a segmentation map)."""
    logits = _logits(out)
    shape = (logits.shape[0],) + tuple(logits.shape[2:])
    return torch.randint(0, logits.shape[1], shape)


def predict(training_graph: dict, plan: dict) -> dict:
    """The plan's figures over `training_graph`: bytes held for backward (resident before the
    first backward layer, parameters, inputs and labels aside) and the peak (the plan's)."""
    sizes = {t["name"]: tensor_bytes(t) for t in training_graph["tensors"]}
    kinds = {t["name"]: t.get("kind", "activation") for t in training_graph["tensors"]}
    layers = {l["name"]: l for l in training_graph["layers"]}
    resident = {n for n, k in kinds.items() if k in ("parameter", "input")}
    live = sum(sizes[n] for n in resident)
    peak, held = live, None
    for step in plan["steps"]:
        if "compute" in step:
            layer = layers[step["compute"]]
            if held is None and layer.get("phase") == "backward":
                held = sum(sizes[n] for n in resident if kinds[n] not in ("parameter", "input"))
            for o in layer["outputs"]:
                if o not in resident:
                    resident.add(o)
                    live += sizes[o]
            peak = max(peak, live)
        elif "free" in step and step["free"] in resident:
            resident.discard(step["free"])
            live -= sizes[step["free"]]
    return {"held": held or 0, "peak": peak}
