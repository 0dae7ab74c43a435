#!/usr/bin/env bash
# GLPK against COIN-OR CBC on the same formulations: status, proven gap and wall time per solve.
# Usage: bash tools/bench-backends.sh [TIME_LIMIT]   (default 60 s; release build; needs CBC)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product plan-cli >/dev/null
B=.build/release/plan-cli
T=${1:-60}
python3 tools/make_model_fixtures.py --chain 40 --seed 3 -o /tmp/bench-c40.json >/dev/null
cat > /tmp/bench-mlp.json <<'JSON'
{"name": "mlp", "tensors": [
 {"name": "x", "shape": [64, 512], "kind": "input"},
 {"name": "w1", "shape": [512, 512], "kind": "parameter"}, {"name": "h1", "shape": [64, 512]},
 {"name": "r1", "shape": [64, 512]},
 {"name": "w2", "shape": [512, 512], "kind": "parameter"}, {"name": "h2", "shape": [64, 512]},
 {"name": "r2", "shape": [64, 512]},
 {"name": "w3", "shape": [512, 512], "kind": "parameter"}, {"name": "y", "shape": [64, 512]}],
 "layers": [
 {"name": "fc1", "op": "linear", "inputs": ["x", "w1"], "outputs": ["h1"]},
 {"name": "relu1", "op": "relu", "inputs": ["h1"], "outputs": ["r1"]},
 {"name": "fc2", "op": "linear", "inputs": ["r1", "w2"], "outputs": ["h2"]},
 {"name": "relu2", "op": "relu", "inputs": ["h2"], "outputs": ["r2"]},
 {"name": "fc3", "op": "linear", "inputs": ["r2", "w3"], "outputs": ["y"]}],
 "outputs": ["y"]}
JSON
run() {  # label args
  printf '| %s |' "$1"
  for be in glpk cbc; do
    local start end out
    start=$(date +%s.%N)
    out=$($B plan $2 --time-limit "$T" --backend $be 2>&1) || { printf ' error |'; continue; }
    end=$(date +%s.%N)
    local status gap total
    status=$(grep '^solver:' <<<"$out" | sed 's/solver: *//')
    gap=$(grep -o 'gap [0-9.]*%' <<<"$out" | head -1)
    total=$(grep -E '^(compute|total time):' <<<"$out" | head -1 | sed 's/^[a-z ]*: *//; s/, overhead.*//')
    printf ' %s; %s; %s; %.1f s |' "$status" "$total" "${gap:-no gap}" "$(echo "$end - $start" | bc)"
  done
  echo
}
echo "| case | glpk | cbc |"
echo "|---|---|---|"
for b in 80% 60% 40% 25%; do run "81-layer chain (--chain 40 --seed 3), $b" "/tmp/bench-c40.json --budget $b"; done
for b in 90% 80%; do run "VGG-16 training b32, $b" "fixtures/models/vgg16.json --training --budget $b"; done
run "two-level: MLP training, Edge TPU 5 MiB" "/tmp/bench-mlp.json --training --hardware fixtures/hardware/edge-npu.json --budget 5MiB --solver two-level-milp"
run "two-level: ResNet-50 int8 inference b1, Edge TPU" "fixtures/models/exported/resnet50-int8.json --inference --batch 1 --hardware fixtures/hardware/edge-npu.json --solver two-level-milp"
