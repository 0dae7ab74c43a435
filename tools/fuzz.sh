#!/usr/bin/env bash
# Fuzz plan-cli (docs/fuzzing.md): builds the tool and the fuzz target, checks the oracle, then
# runs CASES cases (default 3000, what CI runs: about a minute on 2 cores). Further arguments go
# to plan-fuzz, e.g. `bash tools/fuzz.sh 100000 -c release` for the long run, or
# `bash tools/fuzz.sh 1 --start 926` to replay one case. Exit status 1 when any case fails;
# failing cases are saved under fuzz/failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-3000}"
shift || true
config=debug
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        -c) config="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
swift build -c "$config" --product plan-cli >/dev/null
swift build -c "$config" --product plan-fuzz >/dev/null
bin="$(swift build -c "$config" --show-bin-path)"
"$bin/plan-fuzz" --self-test
"$bin/plan-fuzz" --cases "$cases" --tool "$bin/plan-cli" ${args[@]+"${args[@]}"}
