#!/usr/bin/env bash
# Deadline and memory benchmark (issue 15, target 1): `plan-cli plan` on random layered DAGs of
# growing size (tools/random_layered/generate.py) at 90% and 80% of the keep-everything peak,
# with a time limit, release build. Each row: the answer (plan or error), the wall time against
# the limit's allowance (limit + 10% + 2 s), and the peak resident memory against 4 GiB.
#
#   bash tools/bench-deadline.sh [LIMIT] [SIZES...]     # default 60 s; 100 500 1000 2000 5000 10000
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-60}
shift || true
SIZES=${*:-100 500 1000 2000 5000 10000}
swift build -c release --product plan-cli >&2
tool=.build/release/plan-cli
dir=$(mktemp -d)
allow=$(echo "$LIMIT * 1.1 + 2" | bc)
echo "| nodes | budget | answer | cost / checkpoint-all | proven gap | wall | allowance | max RSS |"
echo "|---|---|---|---|---|---|---|---|"
fail=0
for n in $SIZES; do
    python3 tools/random_layered/generate.py -n "$n" --seed 1 -o "$dir/rl_n$n.json"
    for b in 90% 80%; do
        out=$( { /usr/bin/time -f "TIME %e %M" "$tool" plan "$dir/rl_n$n.json" --budget $b --time-limit "$LIMIT" 2>&1; } 2>&1 ) || true
        wall=$(echo "$out" | sed -n 's/^TIME \([0-9.]*\) .*/\1/p')
        rss=$(echo "$out" | sed -n 's/^TIME [0-9.]* \([0-9]*\)/\1/p')
        solver=$(echo "$out" | sed -n 's/^solver: *//p')
        [ -n "$solver" ] || solver=$(echo "$out" | grep -m1 '^Error' | cut -c1-110)
        overhead=$(echo "$out" | sed -n 's/.*overhead \([0-9.]*x\).*/\1/p')
        gap=$(echo "$out" | sed -n 's/.*gap \([0-9.]*%\).*/\1/p')
        mib=$((rss / 1024))
        ok=$(echo "$wall <= $allow && $mib <= 4096" | bc)
        [ "$ok" = 1 ] || fail=1
        printf '| %s | %s | %s | %s | %s | %s s | %s s | %s MiB |\n' "$n" "$b" "$solver" "${overhead:--}" "${gap:--}" "$wall" "$allow" "$mib"
    done
done
rm -rf "$dir"
[ "$fail" = 0 ] || { echo "a row ran past its allowance or 4 GiB" >&2; exit 1; }
