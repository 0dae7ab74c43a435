#!/usr/bin/env bash
# Writes the large training graphs of the real-scale benchmark (docs/benchmarks.md, issue 15),
# exported by torch2graph and derived by plan-cli (SGD, no optimizer state):
#   densenet121-train.json  torchvision's DenseNet-121 at batch 2 (1,399 training layers)
#   gpt2-24-train.json      24 GPT-2 blocks, 768 wide, batch 4 x 1024 tokens (1,210 layers)
#   vit-b16-train.json      ViT-B/16 at batch 32 (torch2graph.models.ViT, torchvision's sizes)
#   bert-large-train.json   BERT-large: 24 layers, 1024 wide, 16 heads, batch 4 x 512 tokens
# Usage: bash tools/make-large-training-graphs.sh PYTHON OUT_DIR   (PYTHON with torch,
#        torchvision and tools/torch2graph installed; tools/test-python.sh makes one)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:?python with torch and torch2graph}; OUT=${2:-/tmp}
mkdir -p "$OUT"
bash tools/make-deep-transformer.sh "$PY" "$OUT" >/dev/null
"$PY" -m torch2graph module torchvision.models:densenet121 --input 2,3,224,224 -o "$OUT/densenet121.json" >/dev/null
"$PY" - "$OUT" <<'PYEOF'
import sys, torch
from torch2graph import models
from torch2graph.export import export, dumps
out = sys.argv[1]
with torch.device("meta"):
    vit = models.ViT()
    vit_in = (torch.randn(32, 3, 224, 224),)
    bert = models.Bert(dim=1024, heads=16, layers=24)
    b, s = 4, 512
    bert_in = (torch.randint(0, 30522, (b, s)), torch.arange(s).expand(b, s), torch.zeros(b, s, dtype=torch.long))
open(f"{out}/vit-b16.json", "w").write(dumps(export(vit, vit_in, name="vit-b16-b32", batch=32, input_names=["x"])))
open(f"{out}/bert-large.json", "w").write(dumps(export(bert, bert_in, name="bert-large-b4", batch=b, input_names=["ids", "positions", "types"])))
PYEOF
for m in densenet121 vit-b16 bert-large; do
  .build/release/plan-cli export "$OUT/$m.json" --training -o "$OUT/$m-train.json" >/dev/null
done
for m in densenet121 gpt2-24 vit-b16 bert-large; do echo "$OUT/$m-train.json"; done
