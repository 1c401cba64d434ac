#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (`make test` runs this first).
# Missing and root: install it with apt. Missing and not root: say in one line what to install, and fail.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing Debian's chromium for the browser tests (apt-get install -y chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "make test needs Chromium for the browser tests: install it (Debian: sudo apt-get install -y chromium), then rerun make test" >&2
exit 1
