#!/usr/bin/env bash
# The whole test suite: installs missing system dependencies, runs every Swift test (XCTest and
# Swift Testing), then the Python tests of tools/torch2graph (tools/test-python.sh). This is the
# README's test command, and what CI runs. Arguments go to `swift test`. Between the two, a bounded
# fuzz run (tools/fuzz.sh, PLAN_FUZZ_CASES cases, default 3000; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift test "$@"
if [ "${PLAN_FUZZ_CASES:-3000}" != 0 ]; then bash tools/fuzz.sh "${PLAN_FUZZ_CASES:-3000}"; fi
bash tools/test-python.sh
