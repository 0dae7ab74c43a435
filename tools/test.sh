#!/usr/bin/env bash
# The whole test suite: installs missing system dependencies, runs every Swift test (XCTest and
# Swift Testing), then the Python tests of tools/torch2graph (tools/test-python.sh). This is the
# README's test command, and what CI runs. Arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift test "$@"
bash tools/test-python.sh
