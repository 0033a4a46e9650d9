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
log=$(mktemp)
echo "installing lrkit and its dev dependencies into .venv (log: $log)..."
if ! .venv/bin/python -m pip install --disable-pip-version-check -c constraints.txt -e ".[dev]" >"$log" 2>&1; then
  grep -v "is ignored: it is neither" "$log" | tail -n 40 >&2
  echo "setup failed: pip install did not succeed (full log: $log)" >&2
  exit 1
fi
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (for the HTML report test)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test will fail" >&2
  else
    echo "warning: chromium is missing and cannot be installed here (need root + apt-get)" >&2
  fi
fi
