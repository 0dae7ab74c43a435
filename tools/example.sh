#!/usr/bin/env bash
# The bundled example: installs missing system dependencies, builds the tool (release) and
# analyses VGG-16 training (batch 32, Adam) on the datacenter GPU profile, then plans it within 90% of its peak.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-dependencies.sh
swift build -c release --product plan-cli
.build/release/plan-cli analyze fixtures/models/vgg16.json --training --optimizer adam \
    --hardware fixtures/hardware/datacenter-gpu.json "$@"
echo
echo "== plan: VGG-16 training (batch 32) within 90% of its keep-everything peak (MILP, 30 s), then verified"
.build/release/plan-cli plan fixtures/models/vgg16.json --training --budget 90% --time-limit 30 -o vgg16-plan.json
.build/release/plan-cli verify fixtures/models/vgg16.json --training vgg16-plan.json --budget 90%
