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
(dropout draws the same mask), so gradients are the same; layers with side effects in their
forward (batch normalization's running statistics) update them again when recomputed.
"""
from __future__ import annotations

from functools import partial

import torch
import torch.nn as nn
from torch.utils.checkpoint import CheckpointPolicy, checkpoint, create_selective_checkpoint_contexts

from .export import _Recorder, _graph, trace


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
        self.gm = trace(model, leaves)
        node_map: dict = {}
        recorder = _Recorder(self.gm, count_flops=False)
        with torch.no_grad():
            outputs = recorder.run(*example_inputs)
        _graph(self.gm, recorder, model, "planned", None, None, None, outputs, node_map)
        recompute = recomputed_layers(plan)
        known = {layer for layer, _ in node_map.values()}
        unknown = sorted(l for l in recompute if l not in known and not l.endswith(".backward") and l != "loss")
        if unknown:
            raise ValueError(f"the plan recomputes layers this model does not have: {', '.join(unknown[:5])}")
        self.recompute_nodes = {node for node, (layer, _) in node_map.items() if layer in recompute}

    def forward(self, *args):
        interpreter = _Current(self.gm)
        nodes = self.recompute_nodes

        def policy(ctx, op, *a, **k):
            return CheckpointPolicy.PREFER_RECOMPUTE if interpreter.current in nodes else CheckpointPolicy.MUST_SAVE

        return checkpoint(interpreter.run, *args, use_reentrant=False,
                          context_fn=partial(create_selective_checkpoint_contexts, policy))
