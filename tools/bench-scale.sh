#!/usr/bin/env bash
# Scale benchmark of the foundation: read, validate, derive the training graph and analyse
# deep residual graphs of growing size, release build. Prints a markdown table of the median
# wall time of RUNS runs and the peak resident memory, per size.
#
#   bash tools/bench-scale.sh            # sizes 2500 5000 10000 20000 40000, 5 runs each
#   RUNS=9 SIZES="10000" bash tools/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SIZES=${SIZES:-"2500 5000 10000 20000 40000"}
FORMAT=${FORMAT:-csv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product plan-cli >&2
tool=.build/release/plan-cli

echo "| forward layers | training layers | graph file (KiB) | median wall time (s) | min–max (s) | peak RSS (MiB) | RSS per training layer (KiB) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    graph="$work/deep-$n.json"
    python3 tools/make_model_fixtures.py --synthetic "$n" -o "$graph" >&2
    size=$(du -k "$graph" | cut -f1)
    layers=$("$tool" export "$graph" --training | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')
    times=(); rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M" -o "$work/time" "$tool" analyze "$graph" --training --format "$FORMAT" > /dev/null
        read -r t m < "$work/time"
        times+=("$t")
        (( m > rss )) && rss=$m
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    median=$(echo "$sorted" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
    lo=$(echo "$sorted" | head -1); hi=$(echo "$sorted" | tail -1)
    echo "| $n | $layers | $size | $median | $lo–$hi | $((rss / 1024)) | $(( rss / layers )) |"
done
