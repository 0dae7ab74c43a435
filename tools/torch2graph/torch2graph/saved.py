"""What autograd really saves, per layer, measured with torch.autograd.graph.saved_tensors_hooks,
and its comparison with a training graph's backward layers.

The traced module runs once with gradients on (a cross-entropy loss on top when `labels` are
given). Every tensor autograd packs is attributed to the fx node running at that moment and
identified with a graph tensor: a parameter (by storage), a node's output (by storage, offset,
shape and dtype: views such as flatten's output are told apart by shape), or an *extra* buffer no
graph tensor holds (batch normalization's per-channel mean and inverse deviation, pooling
indices, dropout masks). Module buffers (running statistics) are model state, not counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.fx
import torch.nn as nn

from .export import DTYPES, WIDTH, _Recorder, _graph, elements, tensor_bytes, trace


@dataclass
class SavedByLayer:
    """Tensors saved for one forward layer's backward."""
    layer: str
    tensors: list[str] = field(default_factory=list)  # graph tensor names (activations and inputs)
    parameters: list[str] = field(default_factory=list)
    extras: list[tuple[str, list[int]]] = field(default_factory=list)  # (dtype, shape)

    def extra_bytes(self) -> int:
        """Bytes of the buffers autograd saved that are no graph tensor."""
        return sum(_bytes(dtype, shape) for dtype, shape in self.extras)


def measure(model: nn.Module, example_inputs: tuple, leaves=(), name: str = "model", batch=None,
            input_names=None) -> tuple[dict, dict[str, SavedByLayer]]:
    """The forward graph (as `export` writes it) and, per layer name, what autograd saved for it."""
    gm = trace(model, leaves, len(example_inputs))
    state = {}  # storage pointers of parameters and buffers
    for pname, p in model.named_parameters():
        state.setdefault(p.untyped_storage().data_ptr(), ("parameter", pname))
    for bname, b in model.named_buffers():
        state.setdefault(b.untyped_storage().data_ptr(), ("buffer", bname))
    packed: list[tuple[str | None, torch.Tensor]] = []
    recorder = _Recorder(gm, count_flops=False)

    def pack(t):
        packed.append((recorder.current.name if recorder.current is not None else None, t))
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        outputs = recorder.run(*example_inputs)
    node_map: dict[str, tuple[str, list[str]]] = {}
    graph = _graph(gm, recorder, model, name, batch, input_names, None, outputs, node_map)
    layer_of_node = {n: v[0] for n, v in node_map.items()}
    outputs_of_node = {n: v[1] for n, v in node_map.items()}
    by_key: dict[tuple, list[tuple[str, str]]] = {}  # storage key -> [(node, tensor name)]
    for node_name, names in outputs_of_node.items():
        value = recorder.values[node_name]
        values = [value] if isinstance(value, torch.Tensor) else [v for v in value if isinstance(v, torch.Tensor)]
        for v, tname in zip(values, names):
            by_key.setdefault(_key(v), []).append((node_name, tname))
    inputs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for n in inputs:
        v = recorder.values.get(n.name)
        if isinstance(v, torch.Tensor):
            tname = next((t["name"] for t in graph["tensors"] if t.get("kind") == "input" and t["shape"] == list(v.shape)), n.name)
            by_key.setdefault(_key(v), []).append((n.name, tname))
    own_outputs = {l["name"]: set(l["outputs"]) for l in graph["layers"]}
    own_inputs = {l["name"]: set(l["inputs"]) for l in graph["layers"]}
    result: dict[str, SavedByLayer] = {}
    seen: dict[str, set] = {}
    for node_name, t in packed:
        layer = layer_of_node.get(node_name)
        if layer is None:
            continue
        entry = result.setdefault(layer, SavedByLayer(layer))
        ident = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.dtype)
        if ident in seen.setdefault(layer, set()):
            continue
        seen[layer].add(ident)
        owner = state.get(t.untyped_storage().data_ptr())
        if owner is not None:
            if owner[0] == "parameter" and owner[1] not in entry.parameters:
                entry.parameters.append(owner[1])
            continue
        candidates = by_key.get(_key(t), [])
        # An in-place op's saved result shares its input's storage: its own output first.
        outs = [c for c in candidates if c[1] in own_outputs.get(layer, ())]
        ins = [c for c in candidates if c[1] in own_inputs.get(layer, ())]
        chosen = (outs or ins or candidates or [None])[0]
        if chosen is None:
            entry.extras.append((DTYPES.get(t.dtype, "float32"), list(t.shape)))
        elif chosen[1] not in entry.tensors:
            entry.tensors.append(chosen[1])
    return graph, result


def _key(t: torch.Tensor) -> tuple:
    return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.dtype)


@dataclass
class Comparison:
    """One forward layer: what autograd saved for it against what its backward layer reads."""
    layer: str
    op: str
    measured: list[str]       # graph tensors autograd saved
    graph: list[str]          # activations and inputs the training graph's backward layer reads
    measured_bytes: int       # graph tensors plus extra buffers, as autograd holds them
    graph_bytes: int
    explained: list[str]      # differences the graph leaves out on purpose, with the reason

    @property
    def matches(self) -> bool:
        return self.measured_bytes == self.graph_bytes + sum(int(e.split(" B ", 1)[0]) for e in self.explained)


def compare(training_graph: dict, measured: dict[str, SavedByLayer]) -> list[Comparison]:
    """Per forward layer that has a backward layer in `training_graph` (the loss aside): the bytes
    autograd saved for it — graph tensors and extra buffers — against the bytes of the activations
    and inputs the backward layer reads (its gradients and parameters aside).

    Two differences are explained rather than counted as mismatches, and listed: normalization's
    statistics (a mean and an inverse deviation per channel or row, which the graph leaves out:
    under 1% of the input they come with at these models' sizes), and a mask or index
    tensor the graph models with the right element count but another dtype (PyTorch's CPU dropout
    keeps a float mask, CUDA's a bool one, as the graph does)."""
    tensors = {t["name"]: t for t in training_graph["tensors"]}
    ops = {l["name"]: l["op"] for l in training_graph["layers"]}
    rows = []
    for layer in training_graph["layers"]:
        if layer.get("phase") != "backward" or "forward" not in layer.get("attributes", {}):
            continue
        fwd = layer["attributes"]["forward"]
        if fwd == "loss" and fwd not in measured:
            continue
        reads = [t for t in layer["inputs"] if tensors[t].get("kind") not in ("gradient", "parameter")]
        entry = measured.get(fwd, SavedByLayer(fwd))
        graph_bytes = sum(tensor_bytes(tensors[t]) for t in reads)
        measured_bytes = sum(tensor_bytes(tensors[t]) for t in entry.tensors if t in tensors) + entry.extra_bytes()
        explained = []
        graph_only = [t for t in reads if t not in entry.tensors and tensors[t].get("dtype") in ("int64", "bool")]
        extras = list(entry.extras)
        for t in graph_only:
            n = elements(tensors[t]["shape"])
            match = next((e for e in extras if elements(e[1]) == n), None)
            if match is not None:
                extras.remove(match)
                diff = _bytes(*match) - tensor_bytes(tensors[t])
                if diff:
                    explained.append(f"{diff} B {tensors[t]['name']}: autograd keeps it as {match[0]}, the graph as {tensors[t].get('dtype')}")
        if ops.get(fwd) in ("batch_norm", "layer_norm", "group_norm"):
            stats = [e for e in extras if e[0].startswith("float")]
            if stats:
                explained.append(f"{sum(_bytes(*e) for e in stats)} B mean and inverse deviation (per channel or row), left out of the graph")
        rows.append(Comparison(fwd, ops.get(fwd, "?"), entry.tensors, reads, measured_bytes, graph_bytes, explained))
    return rows


def _bytes(dtype, shape):
    return elements(shape) * WIDTH[dtype]
