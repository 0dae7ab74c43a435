#!/usr/bin/env bash
# The bundled example: installs missing system dependencies, builds the tool (release) and
# analyses VGG-16 training (batch 32, Adam) on the datacenter GPU profile, then plans it within 8 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift build -c release --product plan-cli
.build/release/plan-cli analyze fixtures/models/vgg16.json --training --optimizer adam \
    --hardware fixtures/hardware/datacenter-gpu.json "$@"
echo
echo "== plan: VGG-16 training (batch 32, Adam) within 8 GiB, optimal MILP, then verified"
.build/release/plan-cli plan fixtures/models/vgg16.json --training --optimizer adam --budget 8GiB --time-limit 30 -o vgg16-plan.json
.build/release/plan-cli verify fixtures/models/vgg16.json --training --optimizer adam vgg16-plan.json --budget 8GiB
