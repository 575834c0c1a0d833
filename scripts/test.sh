#!/usr/bin/env bash
# Installs everything and runs the whole test suite (the README's test command).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/procedures -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
# Browser tests drive Debian's Chromium (Playwright cannot download its own here).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${ESCALATE_CHROMIUM:-}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install it (Debian: apt-get install chromium) or set ESCALATE_CHROMIUM." >&2
    exit 1
  fi
fi
# Tests never touch your own data directory.
export ESCALATE_DATA_DIR="${ESCALATE_TEST_DATA_DIR:-$(mktemp -d)}"
exec .venv/bin/python -m pytest "$@"
