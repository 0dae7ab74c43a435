"""Run a model under a plan's keep/recompute decisions, with torch.utils.checkpoint's selective
activation checkpointing.

A plan (docs/plan-format.md) computes some forward layers more than once: their outputs were
dropped after the forward pass and recomputed for the backward pass. `PlannedModule` runs the
model's forward as one checkpointed region whose policy saves the outputs of every operation of
a layer the plan computes once (`MUST_SAVE`) and recomputes those of a layer it computes again
(`PREFER_RECOMPUTE`). Layer names are the exporter's, so the plan must come from a graph this
package exported from the same model.

    graph = torch2graph.export(model, (x,), name="mlp")     # then: plan-cli plan ... -o plan.json
    planned = PlannedModule(model, json.load(open("plan.json")), (x,))
    loss = planned(x).sum(); loss.backward()                # gradients as without the plan

Recomputation replays the same operations on the same inputs, with the RNG state restored
(dropout draws the same mask), so gradients are the same. Stock models work unchanged:

- in-place ops run out of place under the plan (modules with `inplace=True`, `F.relu(...,
  inplace=True)`, `x += y`), since a tensor the plan keeps must not change after it is saved;
  the model's own flags are restored after each run;
- in-place and allocating ops are never cached (``_is_mutating``), and every buffer is put back
  after a recomputation, so the running statistics and batch counter end as after a plain step
  (recomputing batch norm in training mode uses the batch's statistics, not the running ones,
  so its outputs do not change).
"""
from __future__ import annotations

import operator
from contextlib import contextmanager
from functools import partial

import torch
import torch.nn as nn
from torch.utils._python_dispatch import _disable_current_modes
from torch.utils.checkpoint import CheckpointPolicy, checkpoint, create_selective_checkpoint_contexts

from .export import _Recorder, _graph, trace


# In-place operators fx records for `x += y` and the like, with their out-of-place twins.
_OUT_OF_PLACE = {operator.iadd: operator.add, operator.isub: operator.sub, operator.imul: operator.mul,
                 operator.itruediv: operator.truediv}


# Ops that allocate a fresh tensor, often filled in place next (dropout's mask on CPU:
# empty_like, then bernoulli_): recomputed, never cached, so that the fill does not mutate a
# cached tensor. They cost nothing to redo.
_FACTORIES = {"empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "zeros", "zeros_like",
              "new_zeros", "ones", "ones_like", "new_ones", "full", "full_like", "new_full"}


def _is_mutating(op) -> bool:
    """Whether an ATen op returns an input it writes to (in-place ops: add_, bernoulli_) or
    allocates a tensor to be written next (``_FACTORIES``): outputs that must not be cached.
    Batch norm writes its running statistics but returns fresh tensors: it may be cached (then it
    does not run again when recomputed, and the statistics are not updated twice)."""
    schema = getattr(op, "_schema", None)
    if schema is not None and any(r.alias_info is not None and r.alias_info.is_write for r in schema.returns):
        return True
    packet = getattr(op, "overloadpacket", None)
    return getattr(packet, "__name__", "") in _FACTORIES


@contextmanager
def _out_of_place(model: nn.Module):
    """Sets `inplace = False` on every submodule that has it set, restoring the flags after."""
    changed = [m for m in model.modules() if getattr(m, "inplace", False) is True]
    for m in changed:
        m.inplace = False
    try:
        yield
    finally:
        for m in changed:
            m.inplace = True


def _snapshot(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Every buffer of `model` with a copy of its value, for ``_restore``."""
    return [(b, b.detach().clone()) for b in model.buffers()]


def _restore(buffers: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    with torch.no_grad():
        for b, value in buffers:
            b.copy_(value)


def recomputed_layers(plan: dict) -> set[str]:
    """Forward layers the plan computes more than once."""
    runs: dict[str, int] = {}
    for step in plan["steps"]:
        if "compute" in step:
            runs[step["compute"]] = runs.get(step["compute"], 0) + 1
    return {name for name, n in runs.items() if n > 1}


class _Current(torch.fx.Interpreter):
    def __init__(self, gm):
        super().__init__(gm)
        self.current = None

    def run_node(self, n):
        self.current = n.name
        try:
            return super().run_node(n)
        finally:
            self.current = None


class PlannedModule(nn.Module):
    """`model` (its parameters shared, not copied) running under a plan's recomputation."""

    def __init__(self, model: nn.Module, plan: dict, example_inputs: tuple, leaves=()):
        super().__init__()
        self.model = model
        self.gm = trace(model, leaves, len(example_inputs))
        node_map: dict = {}
        recorder = _Recorder(self.gm, count_flops=False)
        # The run that names the layers must not move the model's buffers (running statistics).
        buffers = _snapshot(model)
        with torch.no_grad():
            outputs = recorder.run(*example_inputs)
        _restore(buffers)
        _graph(self.gm, recorder, model, "planned", None, None, None, outputs, node_map)
        recompute = recomputed_layers(plan)
        known = {layer for layer, _ in node_map.values()}
        unknown = sorted(l for l in recompute if l not in known and not l.endswith(".backward") and l != "loss")
        if unknown:
            raise ValueError(f"the plan recomputes layers this model does not have: {', '.join(unknown[:5])}")
        self.recompute_nodes = {node for node, (layer, _) in node_map.items() if layer in recompute}
        # In this module's own graph, in-place calls become out-of-place ones.
        for node in self.gm.graph.nodes:
            if node.op == "call_function" and node.target in _OUT_OF_PLACE:
                node.target = _OUT_OF_PLACE[node.target]
            if node.op in ("call_function", "call_method") and node.kwargs.get("inplace") is True:
                node.kwargs = {**node.kwargs, "inplace": False}
        self.gm.recompile()

    def forward(self, *args):
        interpreter = _Current(self.gm)
        nodes = self.recompute_nodes
        runs = [0]

        def policy(ctx, op, *a, **k):
            # Recomputed: the plan's layers and in-place or allocating ops.
            if interpreter.current in nodes or _is_mutating(op):
                return CheckpointPolicy.PREFER_RECOMPUTE
            return CheckpointPolicy.MUST_SAVE

        def run(*inputs):
            runs[0] += 1
            # A second run is the recomputation for backward: put every buffer back afterwards.
            # The snapshot and the restore run outside checkpoint's dispatch modes, which expect a
            # recomputation to replay exactly the forward's ops.
            with _disable_current_modes():
                buffers = _snapshot(self.model) if runs[0] > 1 else []
            try:
                with _out_of_place(self.model):
                    return interpreter.run(*inputs)
            finally:
                with _disable_current_modes():
                    _restore(buffers)

        return checkpoint(run, *args, use_reentrant=False,
                          context_fn=partial(create_selective_checkpoint_contexts, policy))


def apply(model: nn.Module, plan: dict | str, example_inputs: tuple, leaves=()) -> PlannedModule:
    """The module to train under `plan` (a plan dict or the path of a plan file, made for a graph
    exported from `model`, for example by `python -m torch2graph plan`)."""
    if isinstance(plan, str):
        import json
        with open(plan) as f:
            plan = json.load(f)
    return PlannedModule(model, plan, example_inputs, leaves)
