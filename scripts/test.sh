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
eval "$(bash scripts/postgres.sh --export)"
echo "TEST_PG_ADMIN_URL=${TEST_PG_ADMIN_URL%%:*}://…@127.0.0.1"

step "Apache Kafka (Java 17+ and Maven; the broker's jars are fetched once into a cache)"
bash scripts/install-jdk.sh
.venv/bin/python -c "from services.devbroker.kafka import ensure_jars, kafka_version; ensure_jars(); print('Apache Kafka', kafka_version(), 'ready')"

step "Tansu (the demo's broker, second test lane)"
TANSU=$(.venv/bin/python -c "from services.devbroker.tansu import tansu_binary; print(tansu_binary())")
"$TANSU" --version

step "Lint and types"
.venv/bin/ruff check services schemas sandbox tests bench
.venv/bin/mypy services schemas sandbox tests bench

step "Tests"
.venv/bin/python scripts/run_tests.py "$@"
