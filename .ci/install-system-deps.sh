#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Debian's Chromium for the
# portal's browser tests (tests/test_web_browser.py).
#
# Idempotent and quiet: does nothing when chromium is already on PATH, and only
# installs when running as root on a Debian-like system with apt-get. Anywhere
# else it says why it did nothing and exits 0; the browser tests then skip with
# that reason instead of failing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: chromium missing and not root; browser tests will be skipped" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: chromium missing and no apt-get; browser tests will be skipped" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
    echo "install-system-deps: apt-get could not install chromium; browser tests will be skipped" >&2
    tail -n 20 "$log" >&2
    exit 0
fi
