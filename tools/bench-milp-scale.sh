#!/usr/bin/env bash
# Scaling benchmark of the optimal checkpointing planner (issue 4): each case solved by
# `plan-cli plan --solver ilp` (GLPK unless BACKEND is set) with a time limit, release build.
# Prints a markdown table: the plan's solver, cost over checkpoint-all's, proven gap, wall time.
#
#   bash tools/bench-milp-scale.sh [LIMIT]         # default 120 s per solve
#   DEEP_TRANSFORMER=/tmp/gpt2-24-train.json bash tools/bench-milp-scale.sh   # add the 1,210-layer graph
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-120}
BACKEND=${BACKEND:-glpk}
swift build -c release --product plan-cli >&2
tool=.build/release/plan-cli
python3 tools/make_model_fixtures.py --chain 40 --seed 3 -o /tmp/bench-c40.json >/dev/null
python3 tools/make_model_fixtures.py --synthetic 40 -o /tmp/bench-residual40.json >/dev/null
checkmate=../shared/benchmarks/checkmate/mobilenet_b512_train.json

run() {  # name, limit, plan arguments...
    local name=$1 limit=$2; shift 2
    local start end out
    start=$(date +%s.%N)
    out=$("$tool" plan "$@" --time-limit "$limit" --backend "$BACKEND" 2>&1) || true
    end=$(date +%s.%N)
    local solver overhead gap
    solver=$(echo "$out" | sed -n 's/^solver: *//p')
    overhead=$(echo "$out" | sed -n 's/.*overhead \([0-9.]*x\).*/\1/p')
    gap=$(echo "$out" | sed -n 's/.*gap \([0-9.]*%\).*/\1/p')
    [ -n "$solver" ] || solver=$(echo "$out" | tail -1)
    printf '| %s | %s | %s | %s | %.1f s |\n' "$name" "$solver" "${overhead:--}" "${gap:--}" "$(echo "$end - $start" | bc)"
}

echo "| case | plan | cost / checkpoint-all | proven gap | wall |"
echo "|---|---|---|---|---|"
for b in 90% 80% 60% 40%; do run "VGG-16 training (82 layers, exported), $b" 10 fixtures/models/exported/vgg16-train.json --budget $b; done
for b in 80% 60% 40% 25%; do run "81-layer chain (--chain 40 --seed 3), $b" 10 /tmp/bench-c40.json --budget $b; done
for b in 80% 60% 40%; do run "residual network (--synthetic 40, 86 training layers), $b" 10 /tmp/bench-residual40.json --training --budget $b; done
if [ -f "$checkmate" ]; then
    for b in 90% 75% 60% 40%; do run "Checkmate MobileNet (185 layers), $b" "$LIMIT" "$checkmate" --budget $b; done
fi
for b in 90% 60% 40%; do run "ResNet-50 training (368 layers, fixtures/models), $b" "$LIMIT" fixtures/models/resnet50.json --training --budget $b; done
for b in 90% 60% 40%; do run "ResNet-50 training (368 layers, exported), $b" "$LIMIT" fixtures/models/exported/resnet50-train.json --budget $b; done
for b in 90% 60% 40%; do run "MobileNetV2 training (318 layers, exported), $b" "$LIMIT" fixtures/models/exported/mobilenet_v2-train.json --budget $b; done
if [ -n "${DEEP_TRANSFORMER:-}" ]; then
    for b in 50% 40%; do run "24-block GPT-2 training (1,210 layers), $b" 300 "$DEEP_TRANSFORMER" --budget $b; done
fi
