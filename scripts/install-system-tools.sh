#!/usr/bin/env bash
# Debian packages some tests use: chromium (browser test), prometheus (promtool), php-cli (php -l). Idempotent.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v php >/dev/null 2>&1 || need+=(php-cli)  # php -l of deploy/magento-module
[ ${#need[@]} -eq 0 ] && { echo "system tools present"; exit 0; }
if [ "$(id -u)" != 0 ]; then echo "not root: install ${need[*]} yourself"; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
