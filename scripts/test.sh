#!/usr/bin/env bash
# Installs everything and runs the whole test suite (the README's test command).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/procedures -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
# Tests never touch your own data directory.
export ESCALATE_DATA_DIR="${ESCALATE_TEST_DATA_DIR:-$(mktemp -d)}"
exec .venv/bin/python -m pytest "$@"
