#!/usr/bin/env bash
# The console's browser tests drive Debian's chromium (playwright-core cannot download browsers here). Installs it when
# missing and this user may (root with apt-get); otherwise says what to install. CHROMIUM_PATH names another binary.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "installing chromium for the console's browser tests (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  exit 0
fi
echo "The browser tests need Chromium at $browser: install Debian's 'chromium' package, or set CHROMIUM_PATH." >&2
exit 1
