#!/usr/bin/env bash
# Debian's Virtuoso (virtuoso-opensource) for the external-store tests
# (tests/test_push.py: `cica-graph push` against a real triple store).
#
# Idempotent and quiet: does nothing when virtuoso-t is already installed; only
# installs as root on a Debian-like system with apt-get, non-interactively (the
# DBA password the package asks for is preseeded through debconf; the tests run
# their own private instance with its own database, so this password is never
# used by them). Anywhere else it says why it did nothing and exits 0; the push
# tests then skip with that reason instead of failing.
set -euo pipefail

if command -v virtuoso-t >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-virtuoso: virtuoso-t missing and not root; Virtuoso tests will be skipped" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v debconf-set-selections >/dev/null 2>&1; then
    echo "install-virtuoso: virtuoso-t missing and no apt-get/debconf; Virtuoso tests will be skipped" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
password="${VIRTUOSO_DBA_PASSWORD:-dba}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
{
    echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password $password"
    echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password $password"
} | debconf-set-selections
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends virtuoso-opensource; } >"$log" 2>&1; then
    echo "install-virtuoso: apt-get could not install virtuoso-opensource; Virtuoso tests will be skipped" >&2
    tail -n 20 "$log" >&2
    exit 0
fi
# The packaged service is not needed (tests run a private instance); leave it stopped.
if command -v service >/dev/null 2>&1; then
    service virtuoso-opensource-7 stop >/dev/null 2>&1 || true
fi
