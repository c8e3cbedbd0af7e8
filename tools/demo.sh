#!/usr/bin/env bash
# The main job, from a fresh checkout: installs what it needs, starts a local authorization
# server, the TV app (a window where there is a display, the terminal otherwise) and a
# simulated phone that approves the code. Usage: bash tools/demo.sh [demo options, see --help]
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet -e '.[simulator]'
exec .venv/bin/python -m device_app_simulator.demo "$@"
