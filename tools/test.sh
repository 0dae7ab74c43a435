#!/usr/bin/env bash
# The whole test suite: installs missing system dependencies, then runs every Swift test
# (XCTest and Swift Testing). This is the README's test command, and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift test "$@"
