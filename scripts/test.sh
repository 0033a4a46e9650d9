#!/usr/bin/env bash
# Set everything up and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export KERAS_BACKEND="${KERAS_BACKEND:-jax}"
.venv/bin/python -m ruff check src tests benchmarks examples
.venv/bin/python -m mypy src/lrkit
# the layers of docs/contributing.md: each module imports only downward
PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" .venv/bin/lint-imports
NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict --quiet --site-dir site
.venv/bin/python -m pytest -q "$@"
