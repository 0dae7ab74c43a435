#!/usr/bin/env bash
# The bundled example: installs missing system dependencies, builds the tool (release) and
# analyses VGG-16's training step (batch 32, Adam) on the datacenter GPU profile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift build -c release --product plan-cli
.build/release/plan-cli analyze fixtures/models/vgg16.json --training --optimizer adam \
    --hardware fixtures/hardware/datacenter-gpu.json "$@"
