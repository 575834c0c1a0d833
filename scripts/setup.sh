#!/usr/bin/env bash
# Installs everything Escalate needs into ./.venv (Python 3.11 or newer).
#   scripts/setup.sh          the service
#   scripts/setup.sh --dev    the service and everything the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "Escalate needs Python 3.11 or newer; none was found. Install it, or set PYTHON=/path/to/python3." >&2
  exit 1
fi

# WeasyPrint (PDFs) needs Pango and HarfBuzz from the system, and the print stylesheet
# uses DejaVu Sans.
missing=""
fc-list 2>/dev/null | grep -qi "DejaVu Sans" || missing="yes"
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing="yes"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Pango and HarfBuzz for PDF output"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
  else
    echo "PDF output needs Pango and HarfBuzz: install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core (Debian/Ubuntu) or pango (Homebrew)." >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet "pip==26.3"
extras=""
if [ "${1:-}" = "--dev" ]; then extras="[dev]"; fi
# An editable install is what we want here: setuptools' note saying so is silenced.
PYTHONWARNINGS="ignore:Editable installation" \
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".${extras}"
# The front end (GOV.UK Frontend, MoJ Frontend) comes from npm and is compiled here;
# npm is needed to set up, never to run.
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent build
else
  echo "npm was not found: install Node.js 20 or newer so the pages can be styled." >&2
  exit 1
fi
echo "Escalate is installed in .venv"
