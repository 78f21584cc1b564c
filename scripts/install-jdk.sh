#!/usr/bin/env bash
# A JDK 17+ and Maven for Apache Kafka's broker (tests, CI, benchmarks). Idempotent: installs
# Debian's openjdk-17-jdk-headless and maven only where they are missing.
set -euo pipefail
need=()
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then need+=(openjdk-17-jdk-headless); fi
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -eq 0 ]; then
  # Whole outputs first, then their first lines: `mvn -v | head -1` under pipefail fails when head
  # closes the pipe before Maven has written its last line (Maven then exits 1 on the broken pipe).
  java_version=$(java -version 2>&1) && printf '%s\n' "${java_version%%$'\n'*}"
  mvn_version=$(mvn -v 2>/dev/null) && printf '%s\n' "${mvn_version%%$'\n'*}"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "missing ${need[*]}: install them (Debian: apt-get install ${need[*]})" >&2; exit 1; fi
echo "installing ${need[*]}…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
