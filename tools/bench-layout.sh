#!/usr/bin/env bash
# Memory layout on every bundled model (issue 19): fragmentation per strategy of the plans at 50%
# and 90% of the checkpoint-all peak (or the smallest feasible budget when that is higher), the
# cost of the plan that fits after layout against the plan that fits by sum, solve times; then the
# largest batch that runs on the edge NPU and microcontroller profiles, by sum and after layout.
# Usage: bash tools/bench-layout.sh [PLAN_SECONDS] [LAYOUT_SECONDS]   (defaults 20 and 10; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# B=path/to/plan-cli uses that binary instead of building one.
if [ -z "${B:-}" ]; then swift build -c release --product plan-cli >/dev/null; B=.build/release/plan-cli; fi
export B PT=${1:-20} LT=${2:-10}
python3 - <<'EOF'
import os, re, subprocess, tempfile, time

B, PT, LT = os.environ["B"], os.environ["PT"], os.environ["LT"]
E = "fixtures/models/exported"
models = [(f"{E}/{m}-train.json", []) for m in ["vgg16", "resnet50", "mobilenet_v2", "mobilenet_v2_mcu", "unet", "bert", "gpt2"]]
models += [("fixtures/models/vgg16.json", ["--training"]), ("fixtures/models/resnet50.json", ["--training"])]
strategies = ["greedy-by-size", "greedy-by-conflict", "hill-climb", "milp", "best"]
tmp = tempfile.mkdtemp()

def run(args):
    t = time.monotonic()
    p = subprocess.run([B] + args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t

def overhead(out):
    m = re.search(r"overhead ([0-9.]+)x", out)
    return m.group(1) + "x" if m else "?"

print(f"Plans: `plan --solver ilp --time-limit {PT}`; layouts: `layout --time-limit {LT}` (each strategy); "
      f"fitting: `plan --solver ilp --time-limit {PT} --layout` (alignment 64 B).\n")
print("| model | budget | by-sum plan: overhead (s) | " + " | ".join(f"{s}: frag. (s)" for s in strategies)
      + " | arena of the by-sum plan vs budget | plan that fits after layout: overhead (s), how |")
print("|---|---|---|" + "---|" * len(strategies) + "---|---|")
for path, extra in models:
    name = os.path.basename(path).replace(".json", "") + (" (training)" if extra else "")
    for share in ["50%", "90%"]:
        budget = share
        plan = f"{tmp}/p.json"
        rc, out, secs = run(["plan", path, *extra, "--budget", budget, "--solver", "ilp", "--time-limit", PT, "-o", plan])
        if rc != 0:
            m = re.search(r"smallest feasible budget found is [^(]*\((\d+) B\)", out)
            if not m:
                print(f"| {name} | {share} | {out.strip().splitlines()[-1]} |")
                continue
            budget = m.group(1) + "B"
            rc, out, secs = run(["plan", path, *extra, "--budget", budget, "--solver", "ilp", "--time-limit", PT, "-o", plan])
            share = f"{share} → smallest feasible {int(m.group(1)):,} B"
        budget_bytes = int(re.search(r"budget: +[^(]*\((\d+) B\)", out).group(1))
        row = f"| {name} | {share} | {overhead(out)} ({secs:.1f}) |"
        rc2, lay, _ = run(["layout", path, *extra, plan, "--time-limit", LT])
        arenas = {}
        for s in strategies:
            m = re.search(r"^\| (" + re.escape(s) + r")(?: \([^)]*\))? \| [^|]* \| (\d+) \| ([0-9.]+)% \| (\w+) \| ([0-9.]+) \|", lay, re.M)
            if m:
                arenas[s] = int(m.group(2))
                row += f" {m.group(3)}%{' (opt.)' if m.group(4) == 'yes' else ''} ({float(m.group(5)):.2f}) |"
            else:
                row += " - |"
        best = arenas.get("best")
        row += f" {best / budget_bytes * 100:.1f}% |" if best else " ? |"
        rc3, fit, secs3 = run(["plan", path, *extra, "--budget", budget, "--solver", "ilp", "--time-limit", PT, "--layout"])
        if rc3 == 0:
            how = re.search(r"fit after layout: +(.*)", fit).group(1)
            how = how.replace("the plan made for the budget fits after layout", "fits as planned")
            row += f" {overhead(fit)} ({secs3:.1f}), {how} |"
        else:
            row += f" none: {fit.strip().splitlines()[-1][:160]} |"
        print(row, flush=True)

print("\nLargest batch (doubling, then bisection, up to 256) with `best-two-level`: fast memory by sum of live bytes, "
      "and after layout (`--layout`, alignment 64 B).\n")
print("| model | device | largest batch by sum | largest batch after layout | fast arena at that batch |")
print("|---|---|---|---|---|")
devices = [("fixtures/hardware/edge-npu.json", "Edge TPU"), ("fixtures/hardware/microcontroller.json", "STM32F746")]
edge = [(f"{E}/{m}-int8.json", ["--inference"], f"{m} int8 inference") for m in ["mobilenet_v2_mcu", "mobilenet_v2", "resnet50", "unet", "vgg16"]]
edge += [(f"{E}/mobilenet_v2_mcu-train.json", [], "mobilenet_v2_mcu fp32 training")]

def fits(path, extra, hw, batch, layout):
    args = ["plan", path, *extra, "--batch", str(batch), "--hardware", hw, "--solver", "best-two-level", "--time-limit", PT]
    rc, out, _ = run(args + (["--layout"] if layout else []))
    return rc == 0, out

def largest(path, extra, hw, layout):
    last, out_last, b = 0, "", 1
    while b <= 256:
        ok, out = fits(path, extra, hw, b, layout)
        if not ok: break
        last, out_last, b = b, out, b * 2
    if 0 < last < 256 and b <= 256:
        lo, hi = last, b
        while hi - lo > 1:
            mid = (lo + hi) // 2
            ok, out = fits(path, extra, hw, mid, layout)
            if ok: lo, out_last = mid, out
            else: hi = mid
        last = lo
    return last, out_last

for hw, device in devices:
    for path, extra, label in edge:
        by_sum, _ = largest(path, extra, hw, False)
        laid, out = largest(path, extra, hw, True)
        m = re.search(r"fast layout: arena ([^(]*)\(\d+ B\), fragmentation ([0-9.]+)%", out)
        arena = f"{m.group(1).strip()}, fragmentation {m.group(2)}%" if m else "-"
        print(f"| {label} | {device} | {by_sum or 'none'} | {laid or 'none'} | {arena} |", flush=True)
EOF
