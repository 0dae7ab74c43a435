#!/usr/bin/env bash
# Issue 16, targets 2 and 3: the two-level sweep (`plan-cli bench --hardware HW --fast-memory ...`)
# on seven training graphs and two devices. At 30/50/70/90% of each graph's keep-everything peak
# (raised to the smallest size any single mechanism fits), the fastest replayed plan of
# recomputation alone, offloading alone, streaming alone and the joint planner, beside a lower
# bound on every plan's time; one chart per graph and device (total time against fast memory).
#   bash tools/bench-two-level-sweep.sh [LIMIT] [OUT] [PYTHON]
#   DEVICES="edge-npu" PLAN_CLI=/path/to/plan-cli bash tools/bench-two-level-sweep.sh ...   (one device, a given build)
# LIMIT: seconds per MILP (default 30). OUT: where the tables, CSV and SVG charts go (default
# docs/charts/two-level). PYTHON: a Python with torch and torchvision, to export ResNet-18
# (skipped without one).
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-30}
OUT=${2:-docs/charts/two-level}
PY=${3:-}
mkdir -p "$OUT"
if [ -n "${PLAN_CLI:-}" ]; then B=$PLAN_CLI; else swift build -c release --product plan-cli >&2; B=.build/release/plan-cli; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=()
if [ -n "$PY" ] && "$PY" -c 'import torch, torchvision' 2>/dev/null; then
  "$PY" -m torch2graph module torchvision.models:resnet18 --input 32,3,224,224 -o "$work/resnet18.json" >&2
  models+=("resnet18|$work/resnet18.json --training")
fi
models+=(
  "resnet50|fixtures/models/exported/resnet50-train.json"
  "mobilenet_v2|fixtures/models/exported/mobilenet_v2-train.json"
  "vgg16-adam|fixtures/models/vgg16.json --optimizer adam"
  "unet|fixtures/models/exported/unet-train.json"
  "gpt2|fixtures/models/exported/gpt2-train.json"
  "bert|fixtures/models/exported/bert-train.json"
)
: > "$OUT/sweep.md"
echo "graph,device,mechanism,fast_bytes,feasible,total_seconds,compute_seconds,stall_seconds,lower_bound_seconds,relaxation_bound_seconds,program_bound_seconds,solve_seconds,solver" > "$OUT/sweep.csv"
for device in ${DEVICES:-datacenter-gpu edge-npu}; do
  for m in "${models[@]}"; do
    name=${m%%|*}; args=${m#*|}
    # shellcheck disable=SC2086
    $B bench $args --hardware fixtures/hardware/$device.json --fast-memory 30%,50%,70%,90% --time-limit "$LIMIT" \
      --markdown "$work/t.md" --csv "$work/t.csv" --svg "$OUT/$name-$device.svg" >/dev/null
    cat "$work/t.md" >> "$OUT/sweep.md"
    tail -n +2 "$work/t.csv" >> "$OUT/sweep.csv"
    echo "done: $name on $device" >&2
  done
done
