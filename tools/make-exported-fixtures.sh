#!/usr/bin/env bash
# Regenerates fixtures/models/exported/: the bundled models exported from PyTorch by torch2graph
# (forward graphs at a typical batch, and int8 copies for edge devices), and their training
# graphs derived by plan-cli (backward layers from the saved-tensor rules that
# tools/torch2graph/tests/test_saved.py checks against autograd).
# Usage: bash tools/make-exported-fixtures.sh [PYTHON]   (a Python with torch, torchvision and
#        tools/torch2graph installed: see docs/pytorch.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
out=fixtures/models/exported
"$PY" -m torch2graph bundled --out "$out" --int8
swift build -c release --product plan-cli >/dev/null
for f in "$out"/*.json; do
  case "$f" in *-train.json|*-int8.json) continue ;; esac
  .build/release/plan-cli export "$f" --training -o "${f%.json}-train.json" >/dev/null
  echo "${f%.json}-train.json"
done
