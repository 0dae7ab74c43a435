"""The model zoo's table (issue 17): per model, its layers and parameters, the saved-tensor check,
and one training step on the CPU without and with a plan: the bytes held for the backward pass
and the peak, measured (torch2graph.memory) against the plan's prediction, and the step time.

    python tools/torch2graph/bench_zoo.py --plan-cli .build/release/plan-cli [MODEL ...] > zoo.jsonl
    python tools/torch2graph/bench_zoo.py --table zoo.jsonl               # the markdown table

Each model runs in its own process, started with MALLOC_MMAP_THRESHOLD_=65536 (see
torch2graph.memory). Models: torchvision's (classification and segmentation) at batch 16 of
64×64 images (Inception v3 299, GoogLeNet 96, Swin and MaxViT 224, ViTs through `image_size`),
and the Hugging Face models of tests/test_huggingface.py with attention dropout off. The plan is best-baseline's at 50% of
the checkpoint-all peak, or, where nothing fits that, halfway between the smallest budget
best-baseline reaches and the peak (parameters and their gradients are most of the peak at
these sizes).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))


def build(name):
    """(model in training mode, example inputs) for a zoo name ("hf-gpt2" for Hugging Face's)."""
    import torch
    sys.path.insert(0, os.path.join(HERE, "tests"))
    if name.startswith("hf-"):
        from test_huggingface import build as hf_build
        # Attention dropout off: with it PyTorch's CPU kernels take the math path, which keeps
        # the scores (docs/pytorch.md); the graph models the fused kernels CUDA runs.
        model, inputs = hf_build(name[3:], attention_dropout=False, width=256)
        # Width 256 and batch 32, not 64 and 4: a tensor under 64 KiB comes from the heap, which
        # the resident set does not follow.
        return model, tuple(None if x is None else torch.cat([x] * 8) for x in inputs)
    from torch2graph.zoo import torchvision_model
    model, size = torchvision_model(name)
    return model.train(), (torch.randn(16, 3, size, size),)


def one(name: str, cli: str) -> dict:
    import torch
    from torch2graph import PlannedModule, compare, dumps, measure, parameter_count, recomputed_layers
    from torch2graph.memory import labels_for, measure_step, predict
    from torch2graph.zoo import checkpoint_all_peak, smallest_budget

    torch.set_num_threads(1)
    model, inputs = build(name)
    row = {"model": name}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph, saved = measure(model, inputs, name=name, batch=int(inputs[0].shape[0]))
    row["parameters"] = parameter_count(graph)
    row["parameters_exact"] = row["parameters"] == sum(p.numel() for p in model.parameters())
    with tempfile.TemporaryDirectory() as d:
        forward, training, plan_path, all_path = (os.path.join(d, f) for f in ("f.json", "t.json", "p.json", "a.json"))
        open(forward, "w").write(dumps(graph))
        subprocess.run([cli, "export", forward, "--training", "-o", training], check=True, capture_output=True)
        tg = json.load(open(training))
        rows = compare(tg, saved)
        row["layers"] = [len(graph["layers"]), len(tg["layers"])]
        row["saved_compared"] = len(rows)
        row["saved_unexplained"] = sum(not r.matches for r in rows)
        peak = checkpoint_all_peak(cli, training, all_path)
        budget = peak // 2
        r = subprocess.run([cli, "plan", training, "--budget", f"{budget}B", "--solver", "best-baseline", "--time-limit", "5",
                            "-o", plan_path], capture_output=True, text=True)
        row["budget"] = "50%"
        if r.returncode != 0:
            budget = (smallest_budget(cli, training) + peak) // 2
            row["budget"] = f"{100 * budget / peak:.0f}% (midpoint)"
            subprocess.run([cli, "plan", training, "--budget", f"{budget}B", "--solver", "best-baseline", "--time-limit", "5",
                            "-o", plan_path], capture_output=True, text=True, check=True)
        plan, everything = json.load(open(plan_path)), json.load(open(all_path))
    row["recomputed"] = len(recomputed_layers(plan))
    with torch.no_grad():
        labels = labels_for(model(*inputs))
    planned = PlannedModule(model, plan, inputs)
    for label, module, p in (("plain", model, everything), ("planned", planned, plan)):
        measure_step(module, inputs, labels, parameters=model)  # warm-up
        runs = [measure_step(module, inputs, labels, parameters=model) for _ in range(3)]
        want = predict(tg, p)
        row[label] = {"held": min(x["held"] for x in runs), "peak": min(x["peak"] for x in runs),
                      "seconds": statistics.median(x["seconds"] for x in runs),
                      "predicted_held": want["held"], "predicted_peak": want["peak"]}
    return row


def table(path: str) -> str:
    lines = ["| model | layers (forward / training) | parameters | saved check: layers, unexplained | plan: budget, recomputed | held for backward: measured / predicted | peak: measured / predicted | step: plain → planned |",
             "|---|---|---|---|---|---|---|---|"]
    for line in open(path):
        r = json.loads(line)
        if "error" in r:
            lines.append(f"| {r['model']} | error: {r['error'][:80]} |||||||")
            continue
        p = r["planned"]
        lines.append(f"| {r['model']} | {r['layers'][0]} / {r['layers'][1]} | {r['parameters']:,}{'' if r['parameters_exact'] else ' (≠)'} | "
                     f"{r['saved_compared']}, {r['saved_unexplained']} | {r['budget']}, {r['recomputed']} | "
                     f"{p['held'] / p['predicted_held']:.3f} | {p['peak'] / p['predicted_peak']:.3f} | "
                     f"{1000 * r['plain']['seconds']:.0f} → {1000 * p['seconds']:.0f} ms |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*")
    parser.add_argument("--plan-cli", default=os.path.join(HERE, "..", "..", ".build", "release", "plan-cli"))
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--table", metavar="JSONL", help="print the markdown table of a results file")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return 0
    if args.one:
        print(json.dumps(one(args.models[0], args.plan_cli)))
        return 0
    models = args.models
    if not models:
        import torchvision
        models = (torchvision.models.list_models(module=torchvision.models)
                  + torchvision.models.list_models(module=torchvision.models.segmentation)
                  + [f"hf-{m}" for m in ("gpt2", "bert", "llama", "vit", "t5")])
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    for name in models:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", name, "--plan-cli", args.plan_cli],
                           capture_output=True, text=True, env=env)
        line = r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else json.dumps(
            {"model": name, "error": (r.stderr.strip().splitlines() or ["?"])[-1]})
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
