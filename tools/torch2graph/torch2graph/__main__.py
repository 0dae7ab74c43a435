"""Command line: export a bundled model or any importable module, check saved tensors, import ONNX.

    python -m torch2graph bundled --out fixtures/models          # the bundled fixtures
    python -m torch2graph module torchvision.models:resnet18 --input 32,3,224,224 -o r18.json
    python -m torch2graph onnx model.onnx -o model.json
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

import torch

from .export import dumps, export, parameter_count


def _shape(text: str) -> list[int]:
    try:
        dims = [int(d) for d in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input: expected comma-separated integers such as 32,3,224,224, got '{text}'")
    if not dims or any(d <= 0 for d in dims):
        raise argparse.ArgumentTypeError(f"--input: dimensions must be positive, got '{text}'")
    return dims


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="torch2graph", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundled", help="export the bundled models (forward graphs) at their typical batch")
    b.add_argument("--out", default="fixtures/models", help="folder to write <name>.json into")
    b.add_argument("--only", nargs="*", help="export only these models")
    b.add_argument("--int8", action="store_true", help="also write <name>-int8.json (every float stored as int8: a deployment-quantized model)")
    m = sub.add_parser("module", help="export a module given as package.module:factory")
    m.add_argument("factory", help="for example torchvision.models:resnet18")
    m.add_argument("--input", type=_shape, action="append", required=True, help="an input's shape (repeat for several inputs)")
    m.add_argument("--batch", type=int, help="the batch size to record (default: the first input's first dimension)")
    m.add_argument("--dtype", help="store floats as this dtype (for example int8)")
    m.add_argument("--name", help="graph name")
    m.add_argument("--factory-args", metavar="JSON", help='keyword arguments for the factory, as a JSON object, for example \'{"image_size": 64}\'')
    m.add_argument("-o", "--output", required=True)
    o = sub.add_parser("onnx", help="import an ONNX model (shape inference is run first)")
    o.add_argument("model")
    o.add_argument("--batch", type=int, help="the batch size to record")
    o.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)

    if args.command == "bundled":
        from .models import BUNDLED, bundled
        os.makedirs(args.out, exist_ok=True)
        for name, batch in BUNDLED.items():
            if args.only and name not in args.only:
                continue
            model, inputs, names = bundled(name, batch, device="meta")
            model.train()
            graph = export(model, inputs, name=f"{name}-b{batch}", batch=batch, input_names=names)
            path = os.path.join(args.out, f"{name}.json")
            with open(path, "w") as f:
                f.write(dumps(graph))
            print(f"{path}: {len(graph['layers'])} layers, {parameter_count(graph):,} parameters")
            if args.int8:
                q = export(model, inputs, name=f"{name}-int8-b{batch}", batch=batch, input_names=names, dtype="int8")
                qpath = os.path.join(args.out, f"{name}-int8.json")
                with open(qpath, "w") as f:
                    f.write(dumps(q))
                print(f"{qpath}: int8")
        return 0
    if args.command == "module":
        module_name, _, attr = args.factory.partition(":")
        if not attr:
            parser.error("factory: expected package.module:callable, for example torchvision.models:resnet18")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as e:
            parser.error(f"factory: cannot load '{args.factory}': {e}")
        kwargs = {}
        if args.factory_args:
            try:
                kwargs = json.loads(args.factory_args)
            except json.JSONDecodeError as e:
                parser.error(f"--factory-args: not JSON: {e}")
            if not isinstance(kwargs, dict):
                parser.error("--factory-args: expected a JSON object of keyword arguments, for example '{\"image_size\": 64}'")
        try:
            model = factory(**kwargs)
        except TypeError as e:
            parser.error(f"factory: {args.factory}(**{kwargs}) failed: {e}")
        inputs = tuple(torch.randn(*s) for s in args.input)
        graph = export(model, inputs, name=args.name or attr, batch=args.batch or args.input[0][0], dtype=args.dtype)
        with open(args.output, "w") as f:
            f.write(dumps(graph))
        print(f"{args.output}: {len(graph['layers'])} layers, {parameter_count(graph):,} parameters")
        return 0
    if args.command == "onnx":
        from .onnx_import import import_onnx
        graph = import_onnx(args.model, batch=args.batch)
        with open(args.output, "w") as f:
            f.write(dumps(graph))
        print(f"{args.output}: {len(graph['layers'])} layers, {parameter_count(graph):,} parameters")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
