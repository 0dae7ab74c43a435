"""Command line: export a bundled model or any importable module, check saved tensors, import ONNX.

    python -m torch2graph bundled --out fixtures/models          # the bundled fixtures
    python -m torch2graph module torchvision.models:resnet18 --input 32,3,224,224 -o r18.json
    python -m torch2graph onnx model.onnx -o model.json
    python -m torch2graph plan torchvision.models:resnet18 --input 32,3,224,224 --budget 50% -o plan.json
    python -m torch2graph plan transformers:GPT2LMHeadModel --factory-args '{"n_layer": 4}' \
        --input 4,256:int64 --budget 50% -o plan.json                # a Hugging Face model from its config
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch

from .export import dumps, export, parameter_count


INPUT_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "int64": torch.int64,
                "int32": torch.int32}


def _shape(text: str) -> tuple[list[int], torch.dtype]:
    """SHAPE[:DTYPE]: 32,3,224,224 (float32) or 4,512:int64 (token ids)."""
    dims_text, _, dtype_text = text.partition(":")
    try:
        dims = [int(d) for d in dims_text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input: expected comma-separated integers such as 32,3,224,224, got '{text}'")
    if not dims or any(d <= 0 for d in dims):
        raise argparse.ArgumentTypeError(f"--input: dimensions must be positive, got '{text}'")
    if dtype_text and dtype_text not in INPUT_DTYPES:
        raise argparse.ArgumentTypeError(f"--input: unknown dtype '{dtype_text}' in '{text}'; expected one of {', '.join(INPUT_DTYPES)}")
    return dims, INPUT_DTYPES[dtype_text or "float32"]


def _example(shape: tuple[list[int], torch.dtype]) -> torch.Tensor:
    """An example input: normal floats, or integers 0 and 1 (valid token ids of any vocabulary)."""
    dims, dtype = shape
    return torch.randn(*dims, dtype=dtype) if dtype.is_floating_point else torch.randint(0, 2, dims, dtype=dtype)


def _build(factory, kwargs: dict):
    """The model: factory(**kwargs), or, for a Hugging Face model class (it names its
    `config_class`), factory(config_class(**kwargs)): built from a config, with no weights."""
    config_class = getattr(factory, "config_class", None)
    if isinstance(factory, type) and config_class is not None:
        return factory(config_class(**kwargs))
    return factory(**kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="torch2graph", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bundled", help="export the bundled models (forward graphs) at their typical batch")
    b.add_argument("--out", default="fixtures/models", help="folder to write <name>.json into")
    b.add_argument("--only", nargs="*", help="export only these models")
    b.add_argument("--int8", action="store_true", help="also write <name>-int8.json (every float stored as int8: a deployment-quantized model)")
    m = sub.add_parser("module", help="export a module given as package.module:factory")
    m.add_argument("factory", help="for example torchvision.models:resnet18")
    m.add_argument("--input", type=_shape, action="append", required=True, help="an input's shape, SHAPE[:DTYPE] (4,512:int64 for token ids; repeat for several inputs)")
    m.add_argument("--batch", type=int, help="the batch size to record (default: the first input's first dimension)")
    m.add_argument("--dtype", help="store floats as this dtype (for example int8)")
    m.add_argument("--name", help="graph name")
    m.add_argument("--factory-args", metavar="JSON", help='keyword arguments for the factory (for a Hugging Face model class: for its config), as a JSON object, for example \'{"image_size": 64}\'')
    m.add_argument("-o", "--output", required=True)
    pl = sub.add_parser("plan", help="export a module, derive its training graph and plan it with plan-cli, in one command")
    pl.add_argument("factory", help="for example torchvision.models:resnet18")
    pl.add_argument("--input", type=_shape, action="append", required=True, help="an input's shape, SHAPE[:DTYPE] (4,512:int64 for token ids; repeat for several inputs)")
    pl.add_argument("--factory-args", metavar="JSON", help="keyword arguments for the factory (for a Hugging Face model class: for its config), as a JSON object")
    pl.add_argument("--budget", required=True, help="memory budget: bytes with a unit (6GiB) or a share of the checkpoint-all peak (50%%)")
    pl.add_argument("--solver", default="ilp", help="plan-cli's solver (default ilp)")
    pl.add_argument("--time-limit", default="60", help="seconds for plan-cli (default 60)")
    pl.add_argument("--optimizer", help="plan the optimizer's state too (sgd, momentum, adam)")
    pl.add_argument("--plan-cli", help="the plan-cli binary (default: on PATH, else this repository's .build)")
    pl.add_argument("-o", "--output", required=True, help="the plan file to write")
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
    if args.command in ("module", "plan"):
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
            model = _build(factory, kwargs)
        except TypeError as e:
            parser.error(f"factory: {args.factory}(**{kwargs}) failed: {e}")
        inputs = tuple(_example(s) for s in args.input)
        if args.command == "plan":
            return _plan(parser, args, model, inputs, attr)
        graph = export(model, inputs, name=args.name or attr, batch=args.batch or args.input[0][0][0], dtype=args.dtype)
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


def find_plan_cli(given: str | None = None) -> str | None:
    """The plan-cli binary: `given`, else on PATH, else this repository's release or debug build."""
    if given:
        return given if os.path.isfile(given) else None
    found = shutil.which("plan-cli")
    if found:
        return found
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for config in ("release", "debug"):
        path = os.path.join(root, ".build", config, "plan-cli")
        if os.path.isfile(path):
            return path
    return None


def _plan(parser, args, model, inputs, name) -> int:
    """Export, derive the training graph, plan: the `plan` command."""
    cli = find_plan_cli(args.plan_cli)
    if cli is None:
        parser.error("plan-cli not found: put it on PATH, build it (swift build -c release), or give --plan-cli")
    model.train()
    graph = export(model, inputs, name=name, batch=args.input[0][0][0])
    with tempfile.TemporaryDirectory() as d:
        forward, training = os.path.join(d, "forward.json"), os.path.join(d, "training.json")
        with open(forward, "w") as f:
            f.write(dumps(graph))
        derive = [cli, "export", forward, "--training", "-o", training] + (["--optimizer", args.optimizer] if args.optimizer else [])
        steps = [derive, [cli, "plan", training, "--budget", args.budget, "--solver", args.solver, "--time-limit", args.time_limit,
                          "-o", args.output]]
        for command in steps:
            r = subprocess.run(command, capture_output=True, text=True)
            if r.returncode != 0:
                sys.stderr.write(r.stderr)
                return r.returncode
        sys.stdout.write(r.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
