#!/usr/bin/env bash
# The whole test suite, from a fresh checkout: installs what it needs, then runs
# lint, type checks and every test. Usage: bash tools/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n== %s\n' "$*"; }

step "Python environment (.venv)"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

step "System packages (Chromium: browser test; espeak-ng: read-aloud; shellcheck: deploy script)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "not root or no apt-get: missing ${need[*]}; the tests that need them will skip"
    fi
fi

step "glewlwyd 2.7.5 from Debian's package (unpacked into .cache/glewlwyd, not installed)"
bash tests/glewlwyd/fetch.sh >/dev/null || echo "glewlwyd unavailable: tests/glewlwyd will skip (reason above)"

step "MicroPython (WebAssembly port, from npm)"
if [ -f tools/micropython/package-lock.json ]; then
    if [ ! -d tools/micropython/node_modules ]; then
        npm ci --prefix tools/micropython --no-audit --no-fund --loglevel=error
    fi
fi

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy (strict, CPython side)"
.venv/bin/mypy

step "pytest"
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy
.venv/bin/python -m pytest \
    --cov=device_app.core --cov-branch --cov-report=term-missing:skip-covered \
    --cov-fail-under=95 "$@"
