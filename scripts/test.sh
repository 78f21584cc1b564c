#!/usr/bin/env bash
# The README's test command: sets up everything the tests need and runs them.
#   bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n== %s\n' "$*"; }

step "Python environment (.venv)"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import services, schemas, faust, kafka" || { echo "install failed"; exit 1; }

step "System tools for the browser and rules tests"
bash scripts/install-system-tools.sh || echo "warning: system tools could not all be installed; tests needing them will say so"

step "PostgreSQL"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

step "Kafka broker (embedded Tansu)"
# Each test session starts its own Tansu on a free port (tests/conftest.py); check it runs here.
TANSU=$(.venv/bin/python -c "from services.common.broker import tansu_binary; print(tansu_binary())")
"$TANSU" --version

step "Lint and types"
.venv/bin/ruff check services schemas sandbox tests bench
.venv/bin/mypy services schemas sandbox

step "Tests"
.venv/bin/python scripts/run_tests.py "$@"
