#!/usr/bin/env bash
# Two-level plans on the edge profiles (Edge TPU, STM32F746): total time and stall of every
# baseline and of the joint MILP, and the largest batch each model runs at.
# Usage: bash tools/bench-edge.sh [TIME_LIMIT]   (default 60 s per MILP solve; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product plan-cli >/dev/null
B=.build/release/plan-cli
T=${1:-60}
M=fixtures/models/exported
npu=fixtures/hardware/edge-npu.json
mcu=fixtures/hardware/microcontroller.json
solvers="resident stream-single stream-double greedy-residency offload-activations two-level-milp"
cell() {  # args hardware solver
  local out
  out=$($B plan $1 --hardware "$2" --solver "$3" --time-limit "$T" 2>&1) || {
    printf ' no fit (needs %s) |' "$(grep -o 'smallest feasible budget found is [^ ]* [^ ;]*' <<<"$out" | sed 's/.* is //')"; return; }
  local total stall
  total=$(grep '^total time:' <<<"$out" | sed 's/total time: *//')
  stall=$(grep '^stall:' <<<"$out" | sed 's/stall: *//; s/ (\(.*\) of the total)/ (\1)/')
  printf ' %s, stall %s |' "$total" "$stall"
}
row() {  # label args hardware
  printf '| %s |' "$1"
  for s in $solvers; do cell "$2" "$3" "$s"; done
  echo
}
echo "| model, device | $(sed 's/ / | /g' <<<"$solvers") |"
echo "|---|---|---|---|---|---|---|"
for m in mobilenet_v2_mcu mobilenet_v2 resnet50 unet vgg16 bert gpt2; do
  row "$m int8 inference b1, Edge TPU" "$M/$m-int8.json --inference --batch 1" $npu
done
row "mobilenet_v2_mcu int8 inference b1, STM32F746" "$M/mobilenet_v2_mcu-int8.json --inference --batch 1" $mcu
row "mobilenet_v2_mcu fp32 training b1, Edge TPU" "$M/mobilenet_v2_mcu-train.json --batch 1" $npu
row "mobilenet_v2_mcu fp32 training b1, STM32F746" "$M/mobilenet_v2_mcu-train.json --batch 1" $mcu
echo
echo "Largest batch that runs (powers of two up to 256; best-two-level, then two-level-milp at the first batch it fails):"
echo
echo "| model | device | largest batch | first batch that does not run: least fast memory a plan needs |"
echo "|---|---|---|---|"
largest() {  # label args hardware
  local b=1 last=0 out
  while [ $b -le 256 ]; do
    if $B plan $2 --batch $b --hardware "$3" --solver best-two-level >/dev/null 2>&1 \
       || $B plan $2 --batch $b --hardware "$3" --solver two-level-milp --time-limit "$T" >/dev/null 2>&1; then
      last=$b; b=$((b * 2))
    else
      out=$($B plan $2 --batch $b --hardware "$3" --solver best-two-level 2>&1 || true)
      break
    fi
  done
  local need=""
  [ $b -le 256 ] && need="batch $b: $(grep -o 'smallest feasible budget found is [^ ]* [^ ;]*' <<<"$out" | sed 's/.* is //')"
  printf '| %s | %s | %s | %s |\n' "$1" "$(basename "$3" .json)" "$([ $last = 0 ] && echo 'none' || echo $last)" "$need"
}
for hw in $npu $mcu; do
  for m in mobilenet_v2_mcu mobilenet_v2 resnet50 unet vgg16; do
    largest "$m int8 inference" "$M/$m-int8.json --inference" $hw
  done
  largest "mobilenet_v2_mcu fp32 training" "$M/mobilenet_v2_mcu-train.json" $hw
  largest "resnet50 fp32 training" "$M/resnet50-train.json" $hw
done
