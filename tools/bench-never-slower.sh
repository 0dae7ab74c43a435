#!/usr/bin/env bash
# Issue 16, target 1 ("never slower"): on each model, device and fast memory, the replayed total
# time of the joint planner (two-level-milp) beside the fastest single mechanism:
#   recomputation alone   - `plan --solver ilp --hardware HW --budget B` (everything resident; its
#                           time is its compute cost);
#   streaming/offload     - the fastest of resident, stream-single, stream-double,
#                           greedy-residency and offload-activations;
#   composed              - checkpoint-streaming (checkpointing plans above fast memory with
#                           greedy residency and double-buffered streaming).
# Release build, LIMIT seconds for each MILP (default 30).
#   bash tools/bench-never-slower.sh [LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-30}
swift build -c release --product plan-cli >&2
B=.build/release/plan-cli
gpu=fixtures/hardware/datacenter-gpu.json
total() { sed -n 's/^total time: *\([^ ]* [^ ]*\).*/\1/p'; }
secs() {  # "4.35 ms" -> seconds
  awk '{ v=$1; u=$2; f=(u=="s")?1:(u=="ms")?1e-3:(u=="µs")?1e-6:(u=="ns")?1e-9:-1; if (f<0) print "nan"; else printf "%.9g\n", v*f }'
}
echo "| model, device | fast memory | recompute alone (ilp) | fastest streaming/offload baseline | checkpoint-streaming | two-level-milp (solver) | joint ≤ every single one |"
echo "|---|---|---|---|---|---|---|"
fail=0
row() {  # model-args budget label
  local args="$1" budget="$2" label="$3"
  local ilp ilp_s best="" best_s="" s out t ts cs cs_s milp milp_s solver
  out=$($B plan $args --hardware $gpu --budget "$budget" --solver ilp --time-limit "$LIMIT" 2>&1) || out=""
  ilp=$(sed -n 's/^compute: *\([^ ]* [^ ,]*\).*/\1/p' <<<"$out"); ilp_s=$(secs <<<"${ilp:-x x}")
  for s in resident stream-single stream-double greedy-residency offload-activations; do
    t=$($B plan $args --hardware $gpu --budget "$budget" --solver $s 2>&1 | total) || true
    [ -n "$t" ] || continue
    ts=$(secs <<<"$t")
    if [ -z "$best_s" ] || [ "$(echo "$ts < $best_s" | bc -l)" = 1 ]; then best="$t ($s)"; best_s=$ts; fi
  done
  cs=$($B plan $args --hardware $gpu --budget "$budget" --solver checkpoint-streaming 2>&1 | total) || true
  cs_s=$(secs <<<"${cs:-x x}")
  out=$($B plan $args --hardware $gpu --budget "$budget" --solver two-level-milp --time-limit "$LIMIT" 2>&1) || true
  milp=$(total <<<"$out"); milp_s=$(secs <<<"${milp:-x x}")
  solver=$(sed -n 's/^solver: *//p' <<<"$out" | cut -c1-90)
  ok=yes
  for x in "$ilp_s" "$best_s" "$cs_s"; do
    [ -n "$x" ] && [ "$x" != nan ] || continue
    [ "$milp_s" != nan ] && [ "$(echo "$milp_s <= $x * 1.000001" | bc -l)" = 1 ] || { ok=no; fail=1; }
  done
  printf '| %s | %s | %s | %s | %s | %s (%s) | %s |\n' "$label" "$budget" "${ilp:-no plan}" "${best:-no fit}" "${cs:-no fit}" "${milp:-no plan}" "$solver" "$ok"
}
row "fixtures/models/exported/mobilenet_v2-train.json --batch 32" 1200MiB "MobileNetV2 training b32, H100"
row "fixtures/models/exported/mobilenet_v2-train.json --batch 32" 800MiB "MobileNetV2 training b32, H100"
row "fixtures/models/resnet50.json --training --optimizer adam" 2GiB "ResNet-50 training b32 + Adam, H100"
row "fixtures/models/resnet50.json --training --optimizer adam" 4GiB "ResNet-50 training b32 + Adam, H100"
row "fixtures/models/vgg16.json --training --optimizer adam" 2GiB "VGG-16 training b32 + Adam, H100"
row "fixtures/models/vgg16.json --training --optimizer adam" 4GiB "VGG-16 training b32 + Adam, H100"
[ "$fail" = 0 ] || { echo "the joint plan was slower than a single mechanism" >&2; exit 1; }
