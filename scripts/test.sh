#!/usr/bin/env bash
# One command: create .venv (if needed), install the CPU torch and the project with its
# test extras, then run the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# Pin the CPU wheel first: an open torch range would otherwise pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==${TORCH_VERSION:-2.13.0}"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev,thirdparty]"
# spandrel without its torchvision requirement (README: third-party models), so the import path is tested
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "spandrel>=0.4,<0.5"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
exec .venv/bin/python -m pytest -q "$@"
