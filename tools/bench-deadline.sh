#!/usr/bin/env bash
# Deadline and memory benchmark (issue 15, target 1): `plan-cli plan` on random layered DAGs of
# growing size (tools/random_layered/generate.py) at 90% and 80% of the keep-everything peak,
# with a time limit, release build. Each row: the answer (plan or error), the wall time against
# the limit's allowance (limit + 10% + 2 s), and the peak resident memory against 4 GiB (the
# default --memory-limit). Then the largest size again at 90% with --memory-limit $MEMORY_LIMIT
# (default 256MiB): the searches stop there with the best plan, or skip a program that would not
# fit (the note column), and the peak resident memory stays under the tool's hard stop (the limit
# plus half of it, at least 256 MiB).
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
MEMORY_LIMIT=${MEMORY_LIMIT:-256MiB}
limit_mib=$(echo "$MEMORY_LIMIT" | sed -n 's/^\([0-9]*\)MiB$/\1/p')
[ -n "$limit_mib" ] || { echo "MEMORY_LIMIT must be given in MiB, e.g. 256MiB" >&2; exit 2; }
hard_mib=$((limit_mib + (limit_mib / 2 > 256 ? limit_mib / 2 : 256)))
echo
echo "| nodes | budget | --memory-limit | answer | cost / checkpoint-all | note | wall | allowance | max RSS | hard stop |"
echo "|---|---|---|---|---|---|---|---|---|---|"
n=${SIZES##* }
out=$( { /usr/bin/time -f "TIME %e %M" "$tool" plan "$dir/rl_n$n.json" --budget 90% --time-limit "$LIMIT" --memory-limit "$MEMORY_LIMIT" 2>&1; } 2>&1 ) || true
wall=$(echo "$out" | sed -n 's/^TIME \([0-9.]*\) .*/\1/p')
rss=$(echo "$out" | sed -n 's/^TIME [0-9.]* \([0-9]*\)/\1/p')
solver=$(echo "$out" | sed -n 's/^solver: *//p')
[ -n "$solver" ] || solver=$(echo "$out" | grep -m1 '^Error' | cut -c1-110)
overhead=$(echo "$out" | sed -n 's/.*overhead \([0-9.]*x\).*/\1/p')
if echo "$out" | grep -q '^note: resident memory reached'; then note="limit reached"
elif echo "$out" | grep -q '^note: a step needing'; then note="step skipped: $(echo "$out" | sed -n 's/^note: a step needing about \(.*\) more was skipped.*/\1/p')"
else note="-"; fi
mib=$((rss / 1024))
ok=$(echo "$wall <= $allow && $mib <= $hard_mib" | bc)
[ "$ok" = 1 ] || fail=1
printf '| %s | 90%% | %s | %s | %s | %s | %s s | %s s | %s MiB | %s MiB |\n' "$n" "$MEMORY_LIMIT" "$solver" "${overhead:--}" "$note" "$wall" "$allow" "$mib" "$hard_mib"
rm -rf "$dir"
[ "$fail" = 0 ] || { echo "a row ran past its allowance or its memory bound" >&2; exit 1; }
