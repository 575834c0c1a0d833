#!/usr/bin/env bash
# The habits CI keeps before the tests: lint, format, migrations in step with the
# models, strict types where they are switched on (pyproject.toml [tool.mypy]).
# Run after scripts/setup.sh --dev (scripts/test.sh does that).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check escalate tests bench
.venv/bin/ruff format --check escalate tests bench
ESCALATE_DATA_DIR="$(mktemp -d)" DJANGO_SETTINGS_MODULE=escalate.settings \
  .venv/bin/python -m django makemigrations --check --dry-run
ESCALATE_DATA_DIR="$(mktemp -d)" .venv/bin/mypy
