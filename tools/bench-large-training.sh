#!/usr/bin/env bash
# Target 3 of issue 15: the large training graphs (tools/make-large-training-graphs.sh) at
# 40/60/80/90% of their checkpoint-all peak, or the smallest budget known to be feasible where
# that is higher, planned by `plan-cli plan --solver ilp` with a time limit (release build).
# Prints a markdown table: budget, plan, cost over checkpoint-all, proven gap, wall time, max RSS.
#
#   bash tools/bench-large-training.sh DIR [LIMIT]    # DIR holds the *-train.json files; LIMIT default 300 s
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?folder with the large training graphs}; LIMIT=${2:-300}
swift build -c release --product plan-cli >&2
tool=.build/release/plan-cli
echo "| graph | layers | budget | plan | cost / checkpoint-all | proven gap | wall | max RSS |"
echo "|---|---|---|---|---|---|---|---|"
for m in densenet121 gpt2-24 vit-b16 bert-large; do
  g=$DIR/$m-train.json
  [ -f "$g" ] || { echo "missing $g" >&2; continue; }
  layers=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['layers']))" "$g")
  for b in 40% 60% 80% 90%; do
    budget=$b
    out=$( { /usr/bin/time -f "TIME %e %M" "$tool" plan "$g" --budget "$budget" --time-limit "$LIMIT" 2>&1; } || true)
    # Below the smallest feasible budget: plan at the smallest one the error names.
    if echo "$out" | grep -q "smallest feasible budget"; then
      budget=$(echo "$out" | sed -n 's/.*smallest feasible budget[^(]*(\([0-9]*\) B).*/\1/p' | head -1)
      out=$( { /usr/bin/time -f "TIME %e %M" "$tool" plan "$g" --budget "$budget" --time-limit "$LIMIT" 2>&1; } || true)
      budget="$b -> $(echo "$out" | sed -n 's/^peak: *.*, \([0-9.]*%\) of checkpoint-all/\1/p') (smallest known)"
    fi
    solver=$(echo "$out" | sed -n 's/^solver: *//p')
    overhead=$(echo "$out" | sed -n 's/.*overhead \([0-9.]*x\).*/\1/p')
    gap=$(echo "$out" | sed -n 's/.*gap \([0-9.]*%\).*/\1/p')
    [ -n "$solver" ] || solver=$(echo "$out" | grep -v '^TIME' | tail -1)
    read -r _ wall rss <<<"$(echo "$out" | grep '^TIME' | tail -1)"
    printf '| %s | %s | %s | %s | %s | %s | %s s | %d MiB |\n' "$m" "$layers" "$budget" "$solver" "${overhead:--}" "${gap:--}" "$wall" "$((rss / 1024))"
  done
done
