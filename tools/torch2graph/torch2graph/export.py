"""Export a torch.nn.Module to the native graph format (docs/graph-format.md).

The module is traced with torch.fx (standard torch.nn layers stay whole), then run once on the
example inputs by an fx interpreter that records every value's shape and dtype and, per node, the
FLOPs PyTorch's own counter (torch.utils.flop_counter) attributes to it.

Modelling choices, as in the bundled fixtures: every layer writes a new tensor (an in-place ReLU
or a view is a layer of its own; views are counted at their full size); a module's parameters are
`parameter` tensors named as `named_parameters()` names them (a shared parameter once); buffers
(batch normalization's running statistics) are model state outside the planner's accounting and
are left out; `nn.Identity` and tuple indexing add no layer.
"""
from __future__ import annotations

import json
import math
import operator
from typing import Any

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

DTYPES = {
    torch.float64: "float64", torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
    torch.bool: "bool",
}
WIDTH = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1}

# Leaf modules by type: (op, attributes from the module).
def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


MODULE_OPS = [
    (nn.Conv2d, "conv2d", lambda m: {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride), "padding": _pair(m.padding),
                                      "dilation": _pair(m.dilation), "groups": m.groups}),
    (nn.Conv1d, "conv1d", lambda m: {"kernel": list(m.kernel_size), "stride": list(m.stride), "padding": list(m.padding), "groups": m.groups}),
    (nn.ConvTranspose2d, "conv_transpose2d", lambda m: {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride), "padding": _pair(m.padding),
                                                        "groups": m.groups}),
    (nn.Linear, "linear", lambda m: {}),
    (nn.BatchNorm2d, "batch_norm", lambda m: {}),
    (nn.BatchNorm1d, "batch_norm", lambda m: {}),
    (nn.LayerNorm, "layer_norm", lambda m: {}),
    (nn.GroupNorm, "group_norm", lambda m: {"groups": m.num_groups}),
    (nn.ReLU, "relu", lambda m: {}),
    (nn.ReLU6, "relu6", lambda m: {}),
    (nn.GELU, "gelu", lambda m: {}),
    (nn.SiLU, "silu", lambda m: {}),
    (nn.Hardswish, "hardswish", lambda m: {}),
    (nn.Hardsigmoid, "hardsigmoid", lambda m: {}),
    (nn.Sigmoid, "sigmoid", lambda m: {}),
    (nn.Tanh, "tanh", lambda m: {}),
    (nn.LeakyReLU, "leaky_relu", lambda m: {}),
    (nn.MaxPool2d, "max_pool2d", lambda m: {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride), "padding": _pair(m.padding)}),
    (nn.AvgPool2d, "avg_pool2d", lambda m: {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride), "padding": _pair(m.padding)}),
    (nn.AdaptiveAvgPool2d, "adaptive_avg_pool2d", lambda m: {"output_size": _pair(m.output_size)}),
    (nn.Dropout, "dropout", lambda m: {"p": m.p}),
    (nn.Embedding, "embedding", lambda m: {}),
    (nn.Flatten, "flatten", lambda m: {}),
    (nn.Softmax, "softmax", lambda m: {}),
    (nn.Upsample, "upsample", lambda m: {}),
    (nn.CrossEntropyLoss, "cross_entropy", lambda m: {}),
]

FUNCTION_OPS = {
    operator.add: "add", torch.add: "add", operator.iadd: "add", operator.sub: "sub", torch.sub: "sub",
    operator.mul: "mul", torch.mul: "mul", operator.truediv: "div", torch.div: "div",
    operator.matmul: "matmul", torch.matmul: "matmul", torch.bmm: "matmul",
    torch.flatten: "flatten", torch.cat: "concat", torch.stack: "concat", torch.relu: "relu", F.relu: "relu",
    F.relu6: "relu6", F.gelu: "gelu", F.silu: "silu", torch.tanh: "tanh", torch.sigmoid: "sigmoid",
    F.softmax: "softmax", torch.softmax: "softmax", F.log_softmax: "log_softmax", F.layer_norm: "layer_norm",
    F.dropout: "dropout", F.scaled_dot_product_attention: "attention", F.interpolate: "upsample",
    F.adaptive_avg_pool2d: "adaptive_avg_pool2d", F.max_pool2d: "max_pool2d", F.avg_pool2d: "avg_pool2d",
    F.cross_entropy: "cross_entropy", F.mse_loss: "mse_loss", F.embedding: "embedding", torch.mean: "mean",
    torch.transpose: "transpose", torch.permute: "permute", torch.reshape: "reshape", torch.split: "split",
    torch.chunk: "split", torch.exp: "exp", torch.sqrt: "sqrt", torch.rsqrt: "rsqrt", torch.pow: "pow",
}
METHOD_OPS = {
    "view": "view", "reshape": "reshape", "flatten": "flatten", "transpose": "transpose", "permute": "permute",
    "softmax": "softmax", "mean": "mean", "add": "add", "mul": "mul", "relu": "relu", "split": "split",
    "chunk": "split", "matmul": "matmul", "exp": "exp", "pow": "pow", "sum": "sum", "sigmoid": "sigmoid",
    "tanh": "tanh", "unsqueeze": "view", "squeeze": "view", "expand": "expand", "masked_fill": "masked_fill",
}
ALIAS_METHODS = {"contiguous", "clone", "detach", "to", "float", "type_as"}


def _tensors_in(arg) -> list[torch.fx.Node]:
    """The fx nodes among an argument, in order (lists and tuples flattened)."""
    if isinstance(arg, torch.fx.Node):
        return [arg]
    if isinstance(arg, (list, tuple)):
        return [n for a in arg for n in _tensors_in(a)]
    if isinstance(arg, dict):
        return [n for a in arg.values() for n in _tensors_in(a)]
    return []


class _Recorder(torch.fx.Interpreter):
    """Runs the traced module node by node, recording values, FLOPs and (optionally) saved tensors."""

    def __init__(self, gm, count_flops=True):
        super().__init__(gm)
        self.flops: dict[str, float] = {}
        self.current: torch.fx.Node | None = None
        self.count_flops = count_flops
        self.values: dict[str, Any] = {}

    def run_node(self, n):
        self.current = n
        if self.count_flops and n.op in ("call_module", "call_function", "call_method"):
            counter = FlopCounterMode(display=False)
            with counter:
                result = super().run_node(n)
            self.flops[n.name] = float(counter.get_total_flops())
        else:
            result = super().run_node(n)
        self.values[n.name] = result
        self.current = None
        return result


def _leaf_op(module: nn.Module):
    for cls, op, attrs in MODULE_OPS:
        if isinstance(module, cls):
            return op, attrs(module)
    return type(module).__name__.lower(), {}


class _Tracer(torch.fx.Tracer):
    """Keeps standard torch.nn modules whole (as fx does) and any module the caller names."""

    def __init__(self, leaves=()):
        super().__init__()
        self.leaves = tuple(leaves)

    def is_leaf_module(self, m, qualname):
        return isinstance(m, self.leaves) or super().is_leaf_module(m, qualname)


def trace(model: nn.Module, leaves=()) -> torch.fx.GraphModule:
    tracer = _Tracer(leaves)
    graph = tracer.trace(model)
    return torch.fx.GraphModule(tracer.root, graph)


def export(model: nn.Module, example_inputs: tuple, name: str | None = None, batch: int | None = None,
           input_names: list[str] | None = None, leaves=(), dtype: str | None = None, node_map: dict | None = None) -> dict:
    """The native graph (a dict, ready for json.dump) of `model` run on `example_inputs`.

    - batch: written as the graph's `batch` (the first dimension of inputs and activations), so
      that `plan-cli --batch N` can rescale it.
    - dtype: store every activation, input and parameter as this dtype instead (for example
      "int8" for a model quantized for deployment); shapes and FLOPs are unchanged.
    - leaves: extra module types to keep whole.
    - node_map: when given, filled with fx node name -> (layer name, output tensor names).
    """
    gm = trace(model, leaves)
    recorder = _Recorder(gm)
    with torch.no_grad():
        outputs = recorder.run(*example_inputs)
    return _graph(gm, recorder, model, name or type(model).__name__.lower(), batch, input_names, dtype, outputs, node_map)


def _graph(gm, recorder, model, name, batch, input_names, dtype_override, outputs, node_map=None):
    param_name = {}
    for pname, p in model.named_parameters():
        param_name.setdefault(id(p), pname)
    tensors: list[dict] = []
    layers: list[dict] = []
    declared: dict[str, dict] = {}
    value_tensor: dict[str, Any] = {}  # node name -> tensor name, or list of names (multi-output)
    used_names = set()

    def dtype_of(t: torch.Tensor) -> str:
        d = DTYPES.get(t.dtype, "float32")
        if dtype_override and d in ("float32", "float64", "float16", "bfloat16"):
            return dtype_override
        return d

    def declare(tname: str, t: torch.Tensor, kind: str | None = None) -> str:
        if tname in declared:
            return tname
        entry = {"name": tname, "shape": list(t.shape), "dtype": dtype_of(t)}
        if kind:
            entry["kind"] = kind
        tensors.append(entry)
        declared[tname] = entry
        return tname

    def parameter(p: torch.Tensor, fallback: str) -> str:
        return declare(param_name.get(id(p), fallback), p, "parameter")

    def unique(base: str) -> str:
        n, k = base, 1
        while n in used_names:
            k += 1
            n = f"{base}_{k}"
        used_names.add(n)
        return n

    placeholder_index = 0
    for node in gm.graph.nodes:
        value = recorder.values.get(node.name)
        if node.op == "placeholder":
            pname = input_names[placeholder_index] if input_names and placeholder_index < len(input_names) else node.name
            placeholder_index += 1
            if isinstance(value, torch.Tensor):
                used_names.add(pname)
                value_tensor[node.name] = declare(pname, value, "input")
            continue
        if node.op == "get_attr":
            if isinstance(value, nn.Parameter) or (isinstance(value, torch.Tensor) and id(value) in param_name):
                value_tensor[node.name] = parameter(value, node.target)
            continue  # buffers and constants: model state outside the accounting
        if node.op == "output":
            continue
        operands = [value_tensor[a.name] for a in _tensors_in((node.args, node.kwargs)) if a.name in value_tensor]
        operands = [o for o in operands if isinstance(o, str)]
        attributes: dict[str, Any] = {}
        if node.op == "call_module":
            module = gm.get_submodule(node.target)
            if isinstance(module, nn.Identity):
                value_tensor[node.name] = operands[0] if operands else None
                continue
            op, attributes = _leaf_op(module)
            lname = unique(node.target)
            for pname, p in module.named_parameters(recurse=True):
                operands.append(parameter(p, f"{node.target}.{pname}"))
        elif node.op == "call_function":
            if node.target is operator.getitem and isinstance(value_tensor.get(node.args[0].name if isinstance(node.args[0], torch.fx.Node) else ""), list):
                parts = value_tensor[node.args[0].name]
                value_tensor[node.name] = parts[node.args[1]] if isinstance(node.args[1], int) else None
                continue
            if not _has_tensor(value):
                continue  # shapes, sizes and other non-tensor values
            op = "slice" if node.target is operator.getitem else FUNCTION_OPS.get(node.target, getattr(node.target, "__name__", str(node.target)))
            lname = unique(node.name)
        else:  # call_method
            if node.target in ALIAS_METHODS and operands and isinstance(value, torch.Tensor) and value.dtype == recorder.values[node.args[0].name].dtype:
                value_tensor[node.name] = operands[0]
                continue
            if not _has_tensor(value):
                continue
            op = METHOD_OPS.get(node.target, node.target)
            lname = unique(node.name)
        if isinstance(value, torch.Tensor):
            outs = [declare(lname, value)]
            value_tensor[node.name] = outs[0]
        else:
            parts = [v for v in value if isinstance(v, torch.Tensor)]
            outs = [declare(f"{lname}.{i}", v) for i, v in enumerate(parts)]
            value_tensor[node.name] = outs
        seen = []
        for o in operands:
            if o not in seen:
                seen.append(o)
        if node_map is not None:
            node_map[node.name] = (lname, outs)
        layer = {"name": lname, "op": op, "inputs": seen, "outputs": outs}
        if attributes:
            layer["attributes"] = attributes
        flops = recorder.flops.get(node.name, 0.0)
        if flops > 0:
            layer["flops"] = flops
        layers.append(layer)

    graph_outputs = []
    out_node = next(n for n in gm.graph.nodes if n.op == "output")
    for a in _tensors_in(out_node.args):
        t = value_tensor.get(a.name)
        for tname in (t if isinstance(t, list) else [t]):
            if isinstance(tname, str) and tname not in graph_outputs:
                graph_outputs.append(tname)
    graph = {"name": name}
    if batch is not None:
        graph["batch"] = batch
    graph["exporter"] = {"tool": "torch2graph", "torch": torch.__version__}
    graph["tensors"] = tensors
    graph["layers"] = layers
    graph["outputs"] = graph_outputs
    return graph


def _has_tensor(value) -> bool:
    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, torch.Tensor) for v in value)
    return False


def elements(shape) -> int:
    """Elements of a tensor of this shape (1 for a scalar)."""
    return math.prod(shape)


def parameter_count(graph: dict) -> int:
    """Elements of the graph's parameter tensors."""
    return sum(elements(t["shape"]) for t in graph["tensors"] if t.get("kind") == "parameter")


def tensor_bytes(t: dict) -> int:
    """A graph tensor's bytes: its explicit `bytes`, else shape × dtype width."""
    return t["bytes"] if "bytes" in t else elements(t["shape"]) * WIDTH[t.get("dtype", "float32")]


def dumps(graph: dict) -> str:
    """The graph as JSON: one tensor or layer per line, so that diffs stay readable."""
    head = {k: v for k, v in graph.items() if k not in ("tensors", "layers", "outputs")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "tensors": [')
    lines.append(",\n".join("    " + json.dumps(t) for t in graph["tensors"]))
    lines.append("  ],")
    lines.append('  "layers": [')
    lines.append(",\n".join("    " + json.dumps(l) for l in graph["layers"]))
    lines.append("  ],")
    lines.append(f'  "outputs": {json.dumps(graph["outputs"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"
