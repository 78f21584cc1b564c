#!/usr/bin/env bash
# PostgreSQL for the tests and benchmarks: installs Debian's postgresql if absent, starts the
# cluster, and gives the test role a password (a fresh Debian cluster refuses password-less TCP
# logins). Idempotent. Prints the admin URL to export as TEST_PG_ADMIN_URL.
#   eval "$(bash scripts/postgres.sh --export)"
set -euo pipefail
ROLE=${TEST_PG_ROLE:-sales_channel_test}
PASSWORD=${TEST_PG_PASSWORD:-sales_channel_test}
PORT=${TEST_PG_PORT:-5432}
say() { [ "${1:-}" = "" ] || echo "$*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" != 0 ]; then say "PostgreSQL is not installed; as root run: apt-get install postgresql"; exit 1; fi
  say "installing PostgreSQL (Debian package postgresql)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
VERSION=$(ls /etc/postgresql | sort -V | tail -1)
if ! pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
  say "starting PostgreSQL $VERSION…"
  # pg_ctlcluster prints notes such as "Removed stale pid file" on stdout; the caller evals ours.
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start >&2
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$PORT" -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p "$PORT" -q || { say "PostgreSQL did not start; see /var/log/postgresql/"; exit 1; }

# The test role logs in over TCP with a password (scram-sha-256, the cluster's default) and may
# create the per-session databases the tests make and drop.
run_psql() { if [ "$(id -u)" = 0 ]; then su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $PORT"; else psql -q -v ON_ERROR_STOP=1 -p "$PORT" -U postgres; fi; }
run_psql >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END \$\$;
SQL
URL="postgresql+psycopg2://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
if [ "${1:-}" = "--export" ]; then echo "export TEST_PG_ADMIN_URL='$URL'"; else echo "$URL"; fi
