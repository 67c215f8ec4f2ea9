#!/usr/bin/env bash
# One command: create .venv (if needed), install, then start Denoise Desktop.
# No arguments opens the desktop app; arguments are passed to the CLI, e.g.
#   bash scripts/run.sh run examples/noisy.png --out out/
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -c "import denoise_desktop, torch, PySide6" 2>/dev/null; then
  .venv/bin/python -m pip install -q --disable-pip-version-check "torch==${TORCH_VERSION:-2.13.0}"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
exec .venv/bin/denoise-desktop "$@"
