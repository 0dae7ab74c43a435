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

from .export import DTYPES, WIDTH, _Recorder, _graph, capture, elements, tensor_bytes


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
            input_names=None, method: str = "auto") -> tuple[dict, dict[str, SavedByLayer]]:
    """The forward graph (as `export` writes it) and, per layer name, what autograd saved for it."""
    gm = capture(model, example_inputs, leaves, method)
    state = {}  # storage pointers of parameters and buffers
    for pname, p in model.named_parameters():
        state.setdefault(p.untyped_storage().data_ptr(), ("parameter", pname))
    for bname, b in model.named_buffers():
        state.setdefault(b.untyped_storage().data_ptr(), ("buffer", bname))
    packed: list[tuple[str | None, tuple, torch.dtype, list[int]]] = []
    alive: list[torch.Tensor] = []
    recorder = _Recorder(gm, count_flops=False)

    def pack(t):
        # Autograd keeps None: a hook returning a saved output itself makes a reference cycle
        # through its grad_fn that Python's collector cannot see (the memory of every model
        # measured would stay). The graph is never run backward; `alive` keeps each tensor (so
        # that no later one takes its address) until this function returns.
        packed.append((recorder.current.name if recorder.current is not None else None, _key(t), t.dtype, list(t.shape)))
        alive.append(t)
        return None

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
    for node_name, ident, dtype, shape in packed:
        layer = layer_of_node.get(node_name)
        if layer is None:
            continue
        entry = result.setdefault(layer, SavedByLayer(layer))
        if ident in seen.setdefault(layer, set()):
            continue
        seen[layer].add(ident)
        owner = state.get(ident[0])
        candidates = by_key.get(ident, [])
        if owner is not None and not candidates:
            # A parameter or a buffer (model state), unless a layer's output is a view of it:
            # then that graph tensor (BERT's position ids, a slice of a buffer; nn.Transformer's
            # query weight, a slice of in_proj_weight).
            if owner[0] == "parameter" and owner[1] not in entry.parameters:
                entry.parameters.append(owner[1])
            continue
        # An in-place op's saved result shares its input's storage: its own output first.
        outs = [c for c in candidates if c[1] in own_outputs.get(layer, ())]
        ins = [c for c in candidates if c[1] in own_inputs.get(layer, ())]
        chosen = (outs or ins or candidates or [None])[0]
        if chosen is None:
            entry.extras.append((DTYPES.get(dtype, "float32"), shape))
        elif chosen[1] not in entry.tensors:
            entry.tensors.append(chosen[1])
    # The recorded values, the interpreter's and `alive` hold autograd's graph, whose saved-variable hooks hold
    # `pack`, which holds them: a cycle through C++ that the collector cannot see. Cut it.
    recorder.values.clear()
    getattr(recorder, "env", {}).clear()
    alive.clear()
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
    layers = {l["name"]: l for l in training_graph["layers"]}
    ops = {name: l["op"] for name, l in layers.items()}
    views_of_parameters = {}
    for l in training_graph["layers"]:
        if l.get("phase", "forward") == "forward" and len(l["inputs"]) == 1 and l["op"] in VIEW_OPS:
            source = l["inputs"][0]
            source = views_of_parameters.get(source, source if tensors[source].get("kind") == "parameter" else None)
            if source is not None:
                views_of_parameters.update({o: source for o in l["outputs"]})
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
        extras = list(entry.extras)
        # A graph tensor autograd kept as a contiguous copy (layer norm of a strided slice): an
        # extra buffer of its dtype and element count is that tensor.
        for t in reads:
            if t in entry.tensors:
                continue
            copy = next((e for e in extras if e[0] == tensors[t].get("dtype", "float32") and elements(e[1]) == elements(tensors[t]["shape"])), None)
            if copy is not None:
                extras.remove(copy)  # counted in measured_bytes already, with the same bytes
        for t in reads:
            # A view of a parameter (a slice of a fused projection's weight): autograd saves the
            # parameter's storage; the graph counts the view as a tensor of its own.
            if t not in entry.tensors and views_of_parameters.get(t) in entry.parameters:
                explained.append(f"-{tensor_bytes(tensors[t])} B {t}: a view of parameter {views_of_parameters[t]}, "
                                 "no memory of its own")
        graph_only = [t for t in reads if t not in entry.tensors and tensors[t].get("dtype") in ("int64", "bool")]
        for t in graph_only:
            n = elements(tensors[t]["shape"])
            match = next((e for e in extras if elements(e[1]) == n), None)
            if match is not None:
                extras.remove(match)
                diff = _bytes(*match) - tensor_bytes(tensors[t])
                if diff:
                    explained.append(f"{diff} B {tensors[t]['name']}: autograd keeps it as {match[0]}, the graph as {tensors[t].get('dtype')}")
        if ops.get(fwd) in ("batch_norm", "layer_norm", "group_norm", "rms_norm"):
            stats = [e for e in extras if e[0].startswith("float")]
            if stats:
                explained.append(f"{sum(_bytes(*e) for e in stats)} B mean and inverse deviation (per channel or row), left out of the graph")
        if ops.get(fwd) == "attention":
            forward_inputs = layers[fwd]["inputs"]
            learned_mask = len(forward_inputs) > 3 and any(o.startswith(forward_inputs[3] + ".grad") for o in layer["outputs"])
            if layer["attributes"].get("dropout", 0) > 0 or learned_mask:
                # PyTorch's CPU kernels have no fused attention with dropout, nor with a mask that
                # needs a gradient (T5's learned position bias): the math path runs and keeps the
                # scores and probabilities (and the dropout mask), L × S per head.
                difference = measured_bytes - graph_bytes - sum(int(e.split(" B ", 1)[0]) for e in explained)
                if difference:
                    explained.append(f"{difference} B scores, probabilities and dropout mask of the math path "
                                     "(PyTorch's CPU kernel for attention with dropout or a learned mask); the graph models the fused kernels")
            else:
                rows_ = [e for e in extras if e[0].startswith("float") and len(e[1]) >= 2 and
                         any(len(tensors[t]["shape"]) == len(e[1]) + 1 and tensors[t]["shape"][:-1] == e[1] for t in reads)]
                if rows_:
                    explained.append(f"{sum(_bytes(*e) for e in rows_)} B log-sum-exp per row (fused attention), left out of the graph")
        rows.append(Comparison(fwd, ops.get(fwd, "?"), entry.tensors, reads, measured_bytes, graph_bytes, explained))
    return rows


# Ops whose output is a view of their input.
VIEW_OPS = {"view", "reshape", "flatten", "transpose", "permute", "slice", "split", "expand"}


def _bytes(dtype, shape):
    return elements(shape) * WIDTH[dtype]
