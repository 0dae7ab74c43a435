#!/usr/bin/env bash
# Writes a 24-block GPT-2 (GPT-2 medium's depth at GPT-2 small's width: 768 wide, 12 heads,
# batch 4 x 1024 tokens) exported by torch2graph, and its training graph (about 1,200 layers):
# the "1,000-layer training graph" of the scaling benchmark (docs/benchmarks.md).
# Usage: bash tools/make-deep-transformer.sh PYTHON OUT_DIR   (PYTHON with torch and torch2graph)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:?python with torch and torch2graph}; OUT=${2:-/tmp}
"$PY" - "$OUT/gpt2-24.json" <<'PYEOF'
import sys, torch
from torch2graph import models
from torch2graph.export import export, dumps
with torch.device("meta"):
    model = models.GPT2(blocks=24)
    b, s = 4, 1024
    inputs = (torch.randint(0, 50257, (b, s)), torch.arange(s).expand(b, s))
graph = export(model, inputs, name="gpt2-24-b4", batch=b, input_names=["ids", "positions"])
open(sys.argv[1], "w").write(dumps(graph))
PYEOF
swift build -c release --product plan-cli >/dev/null
.build/release/plan-cli export "$OUT/gpt2-24.json" --training -o "$OUT/gpt2-24-train.json" >/dev/null
echo "$OUT/gpt2-24-train.json"
