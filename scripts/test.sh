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
if [ -z "${TEST_KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  PORT=$(.venv/bin/python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
  mkdir -p .test-logs
  TANSU=$(.venv/bin/python -c "from services.common.broker import tansu_binary; print(tansu_binary())")
  "$TANSU" broker --listener-url "tcp://127.0.0.1:$PORT" --advertised-listener-url "tcp://127.0.0.1:$PORT" \
    > .test-logs/tansu-ci.log 2>&1 &
  BROKER_PID=$!
  trap 'kill $BROKER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
  export TEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$PORT"
  echo "Tansu on $TEST_KAFKA_BOOTSTRAP_SERVERS"
fi

step "Lint and types"
.venv/bin/ruff check services schemas sandbox tests bench
.venv/bin/mypy services schemas sandbox

step "Tests"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
