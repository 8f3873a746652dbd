#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (never Playwright's own download).
# Installs it when missing and we are allowed to (root with apt); otherwise the browser tests skip.
set -u
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }
fi
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || echo "chromium not found: browser tests will be skipped"
