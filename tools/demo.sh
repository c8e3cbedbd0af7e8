#!/usr/bin/env bash
# The main job, from a fresh checkout: installs what it needs, starts a local authorization
# server, the TV app (a window where there is a display, the terminal otherwise) and a
# simulated phone that approves the code. Usage: bash tools/demo.sh [demo options, see --help]
#
# The first run installs into .venv (network needed once). Later runs start at once and work
# offline: the install is repeated only when pyproject.toml changes (its hash is stamped in
# .venv after a successful install).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
stamp=.venv/.device-app-demo-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing the demo into .venv (once; needs network)..." >&2
    .venv/bin/python -m pip install --quiet -e '.[simulator]'
    printf '%s\n' "$want" > "$stamp"
fi
exec .venv/bin/python -m device_app_simulator.demo "$@"
