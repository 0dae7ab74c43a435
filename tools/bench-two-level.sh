#!/usr/bin/env bash
# Two-level baselines on the bundled models: total time and stall per solver and device.
# Usage: bash tools/bench-two-level.sh   (builds plan-cli in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product plan-cli >/dev/null
B=.build/release/plan-cli
solvers="resident stream-single stream-double greedy-residency offload-activations"
row() {  # model-args hardware budget label
  local args="$1" hw="$2" budget="$3" label="$4"
  printf '| %s | %s |' "$label" "$budget"
  for s in $solvers; do
    out=$($B plan $args --hardware "$hw" ${budget:+--budget $budget} --solver "$s" 2>&1) || { printf ' no fit |'; continue; }
    total=$(grep '^total time:' <<<"$out" | sed 's/total time: *//')
    stall=$(grep '^stall:' <<<"$out" | sed 's/stall: *//; s/ (\(.*\) of the total)/ (\1)/')
    printf ' %s, stall %s |' "$total" "$stall"
  done
  echo
}
echo "| model, device | fast memory | $(sed 's/ / | /g' <<<"$solvers") |"
echo "|---|---|---|---|---|---|---|"
gpu=fixtures/hardware/datacenter-gpu.json
for budget in 2GiB 4GiB 8GiB; do
  row "fixtures/models/vgg16.json --training --optimizer adam" $gpu $budget "VGG-16 training b32 + Adam, H100 (HBM fast, host slow)"
done
for budget in 2GiB 4GiB; do
  row "fixtures/models/resnet50.json --training --optimizer adam" $gpu $budget "ResNet-50 training b32 + Adam, H100"
done
row "fixtures/models/resnet50.json --inference --batch 1" fixtures/hardware/edge-npu.json "" "ResNet-50 inference b1, Edge TPU"
row "fixtures/models/resnet50.json --inference --batch 1" fixtures/hardware/edge-npu.json 16MiB "ResNet-50 inference b1, Edge TPU with 16 MiB"
row "fixtures/models/vgg16.json --inference --batch 1" fixtures/hardware/edge-npu.json "" "VGG-16 inference b1, Edge TPU"
row "fixtures/models/resnet50.json --inference --batch 1" fixtures/hardware/microcontroller.json "" "ResNet-50 inference b1, STM32F746"
