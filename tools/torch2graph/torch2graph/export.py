"""Export a torch.nn.Module to the native graph format (docs/graph-format.md).

The module is captured as an fx graph, then run once on the example inputs by an fx interpreter
that records every value's shape and dtype and, per node, the FLOPs PyTorch's own counter
(torch.utils.flop_counter) attributes to it. Capture (``capture``) tries torch.fx's symbolic
trace first (standard torch.nn layers stay whole: one layer per module); a model whose Python
control flow depends on its inputs (Hugging Face transformers) cannot be traced that way and is
captured with torch.export instead, as ATen operators named after the module that calls them
(``transformer.h.0.attn.c_attn.addmm``).

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
import warnings
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
    torch.transpose: "transpose", torch.swapaxes: "transpose", torch.permute: "permute", torch.reshape: "reshape", torch.split: "split",
    torch.chunk: "split", torch.unbind: "split", torch.exp: "exp", torch.sqrt: "sqrt", torch.rsqrt: "rsqrt", torch.pow: "pow",
}
METHOD_OPS = {
    "view": "view", "reshape": "reshape", "flatten": "flatten", "transpose": "transpose", "permute": "permute",
    "softmax": "softmax", "mean": "mean", "add": "add", "mul": "mul", "relu": "relu", "split": "split",
    "chunk": "split", "matmul": "matmul", "exp": "exp", "pow": "pow", "sum": "sum", "sigmoid": "sigmoid",
    "tanh": "tanh", "unsqueeze": "view", "squeeze": "view", "expand": "expand", "masked_fill": "masked_fill",
    "swapaxes": "transpose", "expand_as": "expand", "unbind": "split", "reshape_as": "reshape", "view_as": "view",
}
ALIAS_METHODS = {"contiguous", "clone", "detach", "to", "float", "type_as"}
# ATen operators (graphs captured by torch.export) by their overload packet's name, with the op
# name of the graph format; in-place variants (add_) as their out-of-place op.
ATEN_OPS = {
    "linear": "linear", "addmm": "linear", "mm": "matmul", "bmm": "matmul", "matmul": "matmul", "baddbmm": "matmul",
    "conv1d": "conv1d", "conv2d": "conv2d", "conv3d": "conv3d", "convolution": "convolution",
    "conv_transpose2d": "conv_transpose2d",
    "scaled_dot_product_attention": "attention", "_scaled_dot_product_flash_attention_for_cpu": "attention",
    "_scaled_dot_product_efficient_attention": "attention", "_scaled_dot_product_flash_attention": "attention",
    "layer_norm": "layer_norm", "native_layer_norm": "layer_norm", "group_norm": "group_norm",
    "native_group_norm": "group_norm", "rms_norm": "rms_norm", "batch_norm": "batch_norm",
    "_native_batch_norm_legit_functional": "batch_norm", "_native_batch_norm_legit": "batch_norm",
    "native_batch_norm": "batch_norm", "_batch_norm_with_update": "batch_norm",
    "softmax": "softmax", "_softmax": "softmax", "log_softmax": "log_softmax", "_log_softmax": "log_softmax",
    "dropout": "dropout", "native_dropout": "dropout", "embedding": "embedding",
    "view": "view", "_unsafe_view": "view", "unsqueeze": "view", "squeeze": "view", "reshape": "reshape",
    "flatten": "flatten", "expand": "expand", "permute": "permute", "transpose": "transpose", "t": "transpose",
    "slice": "slice", "select": "slice", "cat": "concat", "stack": "concat", "split": "split",
    "split_with_sizes": "split", "chunk": "split", "unbind": "split", "mean": "mean", "sum": "sum",
    "max_pool2d": "max_pool2d", "max_pool2d_with_indices": "max_pool2d", "avg_pool2d": "avg_pool2d",
    "adaptive_avg_pool2d": "adaptive_avg_pool2d", "_adaptive_avg_pool2d": "adaptive_avg_pool2d",
    "upsample_bilinear2d": "upsample_bilinear2d", "upsample_nearest2d": "upsample_nearest2d",
    "cross_entropy_loss": "cross_entropy", "mse_loss": "mse_loss", "masked_fill": "masked_fill", "where": "where",
    "unflatten": "view", "expand_as": "expand", "swapaxes": "transpose", "swapdims": "transpose", "movedim": "permute", "roll": "roll", "pad": "pad", "constant_pad_nd": "pad",
}
for _name in ["relu", "gelu", "silu", "tanh", "sigmoid", "hardswish", "hardsigmoid", "hardtanh", "leaky_relu", "elu",
              "exp", "sqrt", "rsqrt", "pow", "log", "neg", "abs", "clamp", "add", "sub", "mul", "div", "maximum", "minimum"]:
    ATEN_OPS[_name] = _name
# ATen operators that return their input (or a copy of it, same dtype): no layer.
ATEN_ALIASES = {"alias", "clone", "contiguous", "detach", "to", "_to_copy", "lift_fresh_copy", "type_as"}
# ATen operands in the graph format's order: addmm(bias, x, w) reads as linear(x, w, bias).
ATEN_ARGUMENT_ORDER = {"addmm": (1, 2, 0), "baddbmm": (1, 2, 0), "embedding": (1, 0)}
# The op names this exporter maps torch modules, functions and methods to: the ops the planner's
# cost model has a formula for (docs/graph-format.md). Any other op is priced by the fallback.
KNOWN_OPS = ({op for _, op, _ in MODULE_OPS} | set(FUNCTION_OPS.values()) | set(METHOD_OPS.values()) | set(ATEN_OPS.values())
             | {"slice"})


def aten_name(target) -> str | None:
    """The overload packet's name of an ATen operator (``addmm`` for aten.addmm.default; an
    in-place ``add_`` as ``add``), or None when `target` is no ATen operator."""
    if not isinstance(target, torch._ops.OpOverload):
        return None
    name = target.overloadpacket.__name__
    return name[:-1] if name.endswith("_") and not name.endswith("__") and name[:-1] in ATEN_OPS else name


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


class _Root(nn.Module):
    """Holds a model that is itself a leaf (nn.MultiheadAttention, nn.TransformerEncoder): fx
    always traces the root's forward, whose control flow it cannot follow, so the model becomes
    one layer of this wrapper instead. Up to four positional inputs; the ones not given are
    traced as None."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, a0, a1=None, a2=None, a3=None):
        return self.model(*[a for a in (a0, a1, a2, a3) if a is not None])


def capture(model: nn.Module, example_inputs: tuple, leaves=(), method: str = "auto") -> torch.fx.GraphModule:
    """The fx graph module that `export`, `measure` and `PlannedModule` run: `trace`'s graph
    (method "fx"), or the module of ``torch.export.export(model, example_inputs)`` (method
    "export"; "auto" takes it when torch.fx cannot trace the model, or when fx's graph keeps a
    composite whole, as nn.MultiheadAttention, and no `leaves` are given): ATen operators, the model's
    own parameters (shared, not copied: gradients reach the model), captured in the mode the model
    is in (train or eval). A Hugging Face model's key-value cache is switched off while it is
    captured (training does not use it, and torch.export cannot return it)."""
    if method not in ("auto", "fx", "export"):
        raise ValueError(f"method: expected auto, fx or export, not {method!r}")
    if method != "export":
        try:
            traced = trace(model, leaves, len(example_inputs))
        except Exception as error:
            if method == "fx":
                raise
            traced_error = error
        else:
            if method == "fx" or leaves or not _opaque(traced):
                return traced
            # Opaque layers (nn.MultiheadAttention, torchvision's shifted_window_attention):
            # their insides are what autograd saves; torch.export records them op by op.
            try:
                return _export(model, example_inputs)
            except Exception:
                return traced
    try:
        return _export(model, example_inputs)
    except Exception as error:
        if method == "export":
            raise
        raise RuntimeError(f"{type(model).__name__}: torch.fx cannot trace it ({type(traced_error).__name__}: "
                           f"{traced_error}) and torch.export cannot capture it ({type(error).__name__}: {error})") from error


def _opaque(gm: torch.fx.GraphModule) -> bool:
    """Whether torch.fx kept a composite whole: a torch.nn module the exporter has no op for
    (nn.MultiheadAttention, a transformer layer) or a library's Python function fx wraps as a
    call (torchvision's stochastic_depth, shifted_window_attention)."""
    known = tuple(cls for cls, _, _ in MODULE_OPS) + (nn.Identity,)
    for node in gm.graph.nodes:
        if node.op == "call_module" and not isinstance(gm.get_submodule(node.target), known):
            return True
        module = getattr(node.target, "__module__", None) or "torch"
        if (node.op == "call_function" and node.target not in FUNCTION_OPS and not isinstance(node.target, type)
                and module.split(".")[0] not in ("torch", "_operator", "operator", "math", "builtins")):
            return True
    return False


def _export(model: nn.Module, example_inputs: tuple) -> torch.fx.GraphModule:
    """The module torch.export captures (see ``capture``)."""
    config = getattr(model, "config", None)
    cached = getattr(config, "use_cache", None) is True
    if cached:
        config.use_cache = False
    try:
        try:
            program = torch.export.export(model, tuple(example_inputs), strict=False)
        except Exception:
            # Outputs torch.export cannot return (a Hugging Face encoder-decoder's cache object
            # inside its output): the model's tensor outputs only.
            program = torch.export.export(_TensorOutputs(model), tuple(example_inputs), strict=False)
    finally:
        if cached:
            config.use_cache = True
    return program.module()


class _TensorOutputs(nn.Module):
    """`model` returning only the tensors of its output (a dict-like output's tensor values, in
    order): what torch.export can return when the output also holds other objects."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *args):
        out = self.model(*args)
        values = out.values() if hasattr(out, "values") else out if isinstance(out, (tuple, list)) else [out]
        return tuple(v for v in values if isinstance(v, torch.Tensor))


def trace(model: nn.Module, leaves=(), inputs: int = 1) -> torch.fx.GraphModule:
    """The fx graph of `model`, standard torch.nn layers and `leaves` kept whole; `inputs`: how
    many positional inputs it is called with (used when the model itself is such a layer)."""
    tracer = _Tracer(leaves)
    if tracer.is_leaf_module(model, ""):
        if not 1 <= inputs <= 4:
            raise ValueError(f"{type(model).__name__} is exported as one layer, called with 1 to 4 inputs, not {inputs}")
        graph = tracer.trace(_Root(model), concrete_args={f"a{i}": None for i in range(inputs, 4)})
    else:
        graph = tracer.trace(model)
    return torch.fx.GraphModule(tracer.root, graph)


def export(model: nn.Module, example_inputs: tuple, name: str | None = None, batch: int | None = None,
           input_names: list[str] | None = None, leaves=(), dtype: str | None = None, node_map: dict | None = None,
           method: str = "auto") -> dict:
    """The native graph (a dict, ready for json.dump) of `model` run on `example_inputs`.

    - batch: written as the graph's `batch` (the first dimension of inputs and activations), so
      that `plan-cli --batch N` can rescale it.
    - dtype: store every activation, input and parameter as this dtype instead (for example
      "int8" for a model quantized for deployment); shapes and FLOPs are unchanged.
    - leaves: extra module types to keep whole.
    - node_map: when given, filled with fx node name -> (layer name, output tensor names).
    - method: how to capture the graph (``capture``): "auto" (torch.fx, else torch.export),
      "fx" or "export".
    """
    gm = capture(model, example_inputs, leaves, method)
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

    fallback: dict[str, list[str]] = {}  # op -> layers priced by the fallback
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
        operands = []
        for a in _tensors_in((node.args, node.kwargs)):
            v = value_tensor.get(a.name)
            # A tuple passed whole (torch.cat(parts)): each of its tensors is an operand.
            operands.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
        attributes: dict[str, Any] = {}
        if node.op == "call_module":
            module = gm.get_submodule(node.target)
            if isinstance(module, nn.Identity) or (isinstance(module, nn.Dropout) and module.p == 0):
                value_tensor[node.name] = operands[0] if operands else None
                continue
            if not _has_tensor(value):
                continue  # torch.export's input guards and other modules returning no tensor
            op, attributes = _leaf_op(module)
            lname = unique(node.target)
            for pname, p in module.named_parameters(recurse=True):
                operands.append(parameter(p, f"{node.target}.{pname}"))
        elif node.op == "call_function":
            if node.target is operator.getitem and isinstance(value_tensor.get(node.args[0].name if isinstance(node.args[0], torch.fx.Node) else ""), list):
                parts = value_tensor[node.args[0].name]
                i = node.args[1]
                # Positions follow the tuple's elements (None where an element is not a tensor,
                # as nn.MultiheadAttention's (output, None)).
                value_tensor[node.name] = parts[i] if isinstance(i, int) and -len(parts) <= i < len(parts) else None
                continue
            if not _has_tensor(value):
                continue  # shapes, sizes and other non-tensor values
            if isinstance(node.target, type) and issubclass(node.target, tuple):
                # A named tuple of outputs (GoogLeNetOutputs, InceptionOutputs): no layer.
                value_tensor[node.name] = operands
                continue
            aten = aten_name(node.target)
            if aten is not None:
                first = next((a for a in _tensors_in(node.args) if isinstance(recorder.values.get(a.name), torch.Tensor)), None)
                identity = aten in ("dropout", "native_dropout") and (_arg(node, 1, "p") == 0 or _arg(node, 2, "train") is False)
                if ((aten in ATEN_ALIASES or identity) and operands and first is not None and isinstance(value, torch.Tensor)
                        and value.dtype == recorder.values[first.name].dtype):
                    value_tensor[node.name] = operands[0]
                    continue
                if (aten in ATEN_ALIASES and not operands) or (isinstance(value, torch.Tensor) and value.numel() == 0):
                    continue  # a copy of a constant, or an empty tensor: no graph tensor
                if aten in ATEN_ARGUMENT_ORDER:
                    args = [node.args[i] for i in ATEN_ARGUMENT_ORDER[aten] if i < len(node.args)]
                    operands = [t for a in _tensors_in(args) for t in [value_tensor.get(a.name)] if isinstance(t, str)]
                op = ATEN_OPS.get(aten, aten)
                lname = unique(_scoped_name(node, aten))
                if op == "attention":
                    # The dropout probability decides PyTorch's kernel (saved-tensor check).
                    p = _arg(node, 4, "dropout_p") or 0.0
                    if isinstance(p, (int, float)) and p > 0:
                        attributes["dropout"] = float(p)
            else:
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
            outs, positions = [], []
            for v in value:
                if isinstance(v, torch.Tensor):
                    outs.append(declare(f"{lname}.{len(outs)}", v))
                    positions.append(outs[-1])
                else:
                    positions.append(None)
            value_tensor[node.name] = positions
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
        if flops <= 0 and op not in KNOWN_OPS:
            # The fallback for an op the cost model has no formula for, when PyTorch's counter
            # counts nothing: one operation per output element (the count of an elementwise op;
            # its time on a device is then bound by the bytes it moves).
            flops = float(sum(elements(declared[o]["shape"]) for o in outs))
            fallback.setdefault(op, []).append(lname)
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
    if fallback:
        graph["exporter"]["cost_fallback"] = sorted(fallback)
        count = sum(len(v) for v in fallback.values())
        warnings.warn(f"{name}: no cost formula and no FLOPs counted for op(s) {', '.join(sorted(fallback))} "
                      f"({count} layer{'s' if count != 1 else ''}); priced at one operation per output element",
                      stacklevel=3)
    graph["tensors"] = tensors
    graph["layers"] = layers
    graph["outputs"] = graph_outputs
    return graph


def _arg(node: torch.fx.Node, position: int, keyword: str):
    """A call's argument by keyword, else by position (None when not given)."""
    if keyword in node.kwargs:
        return node.kwargs[keyword]
    return node.args[position] if position < len(node.args) else None


def _scoped_name(node: torch.fx.Node, op: str) -> str:
    """A captured ATen node's layer name: the innermost module calling it, then the op
    (``transformer.h.0.attn.c_attn.addmm``); the node's own name outside any module."""
    stack = node.meta.get("nn_module_stack") or {}
    path = list(stack.values())[-1][0] if stack else ""
    if any(v[1].endswith("_TensorOutputs") for v in stack.values()):
        path = path.partition(".")[2]  # "model." is ``_TensorOutputs``'s name for the model
    return f"{path}.{op}" if path else node.name


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
