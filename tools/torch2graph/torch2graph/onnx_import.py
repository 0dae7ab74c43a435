"""Import an ONNX model into the native graph format.

ONNX's shape inference runs first, so every value gets a shape and a dtype. Floating-point
initializers become `parameter` tensors, graph inputs that are not initializers `input` tensors,
and every node a layer whose op is named as the cost model names it (Conv → conv2d, Gemm →
linear, ...; an op without an equivalent keeps its ONNX name in lower case). Shape arithmetic
(Constant, Shape and integer initializers such as Reshape's target shape) is not memory the
planner manages and is left out; Identity nodes add no layer.
"""
from __future__ import annotations

import onnx
from onnx import TensorProto, shape_inference

DTYPE = {
    TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64", TensorProto.FLOAT16: "float16",
    TensorProto.BFLOAT16: "bfloat16", TensorProto.INT64: "int64", TensorProto.INT32: "int32",
    TensorProto.INT16: "int16", TensorProto.INT8: "int8", TensorProto.UINT8: "uint8", TensorProto.BOOL: "bool",
}
OPS = {
    "Conv": "conv2d", "ConvTranspose": "conv_transpose2d", "Gemm": "linear", "MatMul": "matmul", "Relu": "relu",
    "Clip": "clamp", "Sigmoid": "sigmoid", "Tanh": "tanh", "Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div",
    "MaxPool": "max_pool2d", "AveragePool": "avg_pool2d", "GlobalAveragePool": "global_avg_pool",
    "GlobalMaxPool": "global_max_pool", "Flatten": "flatten", "Reshape": "reshape", "Transpose": "transpose",
    "Concat": "concat", "Softmax": "softmax", "LogSoftmax": "log_softmax", "BatchNormalization": "batch_norm",
    "LayerNormalization": "layer_norm", "Gelu": "gelu", "Dropout": "dropout", "Split": "split", "Slice": "slice",
    "Squeeze": "squeeze", "Unsqueeze": "unsqueeze", "Gather": "gather", "Pad": "pad", "ReduceMean": "mean",
    "Sqrt": "sqrt", "Exp": "exp", "Pow": "pow", "Erf": "erf", "HardSigmoid": "hardsigmoid", "HardSwish": "hardswish",
    "LeakyRelu": "leaky_relu", "Where": "where", "Expand": "expand",
}
SKIP = {"Constant", "Shape", "ConstantOfShape", "Range"}


def import_onnx(path: str, batch: int | None = None, name: str | None = None) -> dict:
    """The native graph of the ONNX model at `path` (a dict, ready for json.dump).

    - batch: recorded as the graph's `batch` (so that `plan-cli --batch N` can rescale it);
      default: the first graph input's first dimension."""
    model = shape_inference.infer_shapes(onnx.load(path), strict_mode=True)
    g = model.graph
    info = {}
    for v in list(g.input) + list(g.value_info) + list(g.output):
        t = v.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        info[v.name] = (DTYPE.get(t.elem_type, "float32"), dims)
    tensors, declared, layers = [], set(), []

    def declare(tname, dtype, shape, kind=None):
        if tname in declared:
            return
        if any(d is None or d <= 0 for d in shape):
            raise ValueError(f"{path}: tensor '{tname}' has an unknown dimension {shape} after shape inference; export with fixed input shapes")
        entry = {"name": tname, "shape": list(shape), "dtype": dtype}
        if kind:
            entry["kind"] = kind
        tensors.append(entry)
        declared.add(tname)

    alias = {}
    for init in g.initializer:
        dtype = DTYPE.get(init.data_type, "float32")
        if dtype.startswith("float") or dtype == "bfloat16":
            declare(init.name, dtype, list(init.dims), "parameter")
    initializers = {i.name for i in g.initializer}
    for v in g.input:
        if v.name not in initializers:
            dtype, dims = info[v.name]
            declare(v.name, dtype, dims, "input")
    names = set()
    for i, node in enumerate(g.node):
        if node.op_type in SKIP:
            continue
        inputs = [alias.get(x, x) for x in node.input if x and alias.get(x, x) in declared]
        if node.op_type == "Identity":
            if inputs:
                alias[node.output[0]] = inputs[0]
            continue
        outputs = []
        for o in node.output:
            if not o or o not in info:
                continue
            dtype, dims = info[o]
            declare(o, dtype, dims)
            outputs.append(o)
        if not outputs:
            continue
        lname = node.name or f"{node.op_type.lower()}_{i}"
        while lname in names:
            lname += "_"
        names.add(lname)
        layer = {"name": lname, "op": OPS.get(node.op_type, node.op_type.lower()), "inputs": list(dict.fromkeys(inputs)), "outputs": outputs}
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type in ("Conv", "ConvTranspose", "MaxPool", "AveragePool"):
            kernel = attributes.get("kernel_shape")
            layer["attributes"] = {k: v for k, v in {
                "kernel": list(kernel) if kernel is not None else None,
                "stride": list(attributes.get("strides", [1, 1])),
                "padding": list(attributes.get("pads", [0, 0, 0, 0]))[: len(kernel or [0, 0])],
                "groups": attributes.get("group", 1) if node.op_type.startswith("Conv") else None,
            }.items() if v is not None}
        layers.append(layer)
    outputs = [alias.get(o.name, o.name) for o in g.output]
    if batch is None:
        first = next((t for t in tensors if t.get("kind") == "input" and t["shape"]), None)
        batch = first["shape"][0] if first else None
    graph = {"name": name or g.name or "onnx-model"}
    if batch is not None:
        graph["batch"] = batch
    graph.update({"exporter": {"tool": "torch2graph.onnx_import", "onnx_opset": model.opset_import[0].version},
                  "tensors": tensors, "layers": layers, "outputs": outputs})
    return graph
