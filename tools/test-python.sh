#!/usr/bin/env bash
# The Python tests of tools/torch2graph (exporter, saved-tensor check, ONNX import, applying a
# plan), run by tools/test.sh after the Swift tests. Uses $TORCH_PYTHON when set (a Python with
# torch, torchvision, transformers, onnx and pytest), else a virtual environment .venv-torch2graph
# made here with those from PyPI (about 3 GB: torch's wheels bring CUDA libraries). When PyPI cannot be
# reached the tests are skipped with a warning; PLAN_SKIP_PYTHON=1 skips them on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PLAN_SKIP_PYTHON:-0}" = 1 ]; then echo "Python tests skipped (PLAN_SKIP_PYTHON=1)"; exit 0; fi
PY=${TORCH_PYTHON:-}
if [ -z "$PY" ]; then
  venv=.venv-torch2graph
  if ! "$venv/bin/python" -c "import torch, torchvision, onnx, pytest" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    cert=(); [ -f /etc/ssl/certs/ca-certificates.crt ] && cert=(--cert /etc/ssl/certs/ca-certificates.crt)
    # PyPI's torch and torchvision, built together: no local wheel folders (a CPU-only torch wheel
    # there would not match PyPI's torchvision).
    if ! env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$venv/bin/pip" install -q "${cert[@]}" \
         "torch==2.13.*" "torchvision==0.28.*" "transformers==5.*" onnx pytest; then
      echo "warning: could not install torch from PyPI; the Python tests of tools/torch2graph were NOT run" >&2
      exit 0
    fi
    if ! "$venv/bin/python" -c "import torch, torchvision, onnx, pytest"; then
      echo "warning: torch and torchvision from PyPI do not import together here; the Python tests of tools/torch2graph were NOT run" >&2
      exit 0
    fi
  fi
  PY=$venv/bin/python
  cert=(); [ -f /etc/ssl/certs/ca-certificates.crt ] && cert=(--cert /etc/ssl/certs/ca-certificates.crt)
  # An environment made before the Hugging Face tests: transformers added to it.
  if ! "$PY" -c "import transformers" 2>/dev/null; then
    env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$PY" -m pip install -q "${cert[@]}" "transformers==5.*" \
      || echo "warning: could not install transformers from PyPI; the Hugging Face tests will fail" >&2
  fi
  # timm where it installs (its tests are skipped otherwise).
  if ! "$PY" -c "import timm" 2>/dev/null; then
    env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$PY" -m pip install -q "${cert[@]}" "timm==1.*" \
      || echo "warning: could not install timm from PyPI; tests/test_timm.py will be skipped" >&2
  fi
fi
"$PY" -m pip install -q --no-deps --no-build-isolation -e tools/torch2graph >/dev/null 2>&1 || "$PY" -m pip install -q --no-deps -e tools/torch2graph
swift build --product plan-cli >/dev/null
PLAN_CLI="$PWD/.build/debug/plan-cli" "$PY" -m pytest -q tools/torch2graph/tests
