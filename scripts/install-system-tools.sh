#!/usr/bin/env bash
# Debian packages some tests use: chromium (browser test), prometheus (promtool), php-cli (php -l), npm (axe-core,
# the browser tests' accessibility checks, into the cache the Kafka jars use). Idempotent.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v php >/dev/null 2>&1 || need+=(php-cli)  # php -l of deploy/magento-module
command -v npm >/dev/null 2>&1 || need+=(npm)
# axe-core (npm) for tests/orders_tab/test_browser.py, where tests/orders_tab/axe.py looks for it
AXE_VERSION="4.10"
axe_dir="${SALES_CHANNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sales-channel}/axe-core"
install_axe() {
  [ -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && return 0
  mkdir -p "$axe_dir" && npm install --silent --no-audit --no-fund --prefix "$axe_dir" "axe-core@~$AXE_VERSION" >/dev/null
}
if [ ${#need[@]} -eq 0 ]; then install_axe; echo "system tools present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "not root: install ${need[*]} yourself"; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
install_axe
