#!/usr/bin/env bash
# A JDK 17+ and Maven for Apache Kafka's broker (tests, CI, benchmarks). Idempotent: installs
# Debian's openjdk-17-jdk-headless and maven only where they are missing.
set -euo pipefail
need=()
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then need+=(openjdk-17-jdk-headless); fi
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -eq 0 ]; then
  java -version 2>&1 | head -1; mvn -v 2>/dev/null | head -1
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "missing ${need[*]}: install them (Debian: apt-get install ${need[*]})" >&2; exit 1; fi
echo "installing ${need[*]}…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
