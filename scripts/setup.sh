#!/usr/bin/env bash
# Set up lrkit for development in ./.venv: the package (editable) with every
# extra and the test tools, pinned by constraints.txt (CPU torch). Idempotent.
# With --browser it also installs Debian's chromium (needed by the HTML
# report test) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (for the HTML report test)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test will fail" >&2
  else
    echo "warning: chromium is missing and cannot be installed here (need root + apt-get)" >&2
  fi
fi
