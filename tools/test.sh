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

step "System packages (Chromium: browser test; espeak-ng: read-aloud; shellcheck: deploy script; QEMU, debootstrap, tesseract: the virtual TV)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
vm=0
if [ "$(id -u)" = 0 ] && [ "${DEVICE_APP_VM:-1}" != 0 ]; then
    vm=1
    command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86 qemu-utils)
    command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
    command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr tesseract-ocr-eng)
    [ -e /usr/lib/binfmt.d/qemu-aarch64.conf ] || need+=(qemu-user-static)
fi
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

if [ "$vm" = 1 ]; then
    # The virtual TV's guest image (tests/vm) is built now, in the background, while the rest of
    # the suite runs; tests/vm waits for it. Its log, and each failed scenario's screenshots and
    # journal, go under DEVICE_APP_VM_OUT.
    step "Virtual TV guest image and the arm64 chroot: building in the background"
    vm_out=${DEVICE_APP_VM_OUT:-/tmp/device-app-vm-out}
    mkdir -p "$vm_out"
    echo "log: $vm_out/guest-build.log"
    bash tools/vm.sh --build-only > "$vm_out/guest-build.log" 2>&1 &
    # The arm64 chroot (tests/vm/test_arm64.py reads its result): emulated, so started now too.
    export DEVICE_APP_ARM64_OUT=${DEVICE_APP_ARM64_OUT:-/tmp/device-app-arm64-out}
    if [ "${DEVICE_APP_ARM64:-1}" != 0 ]; then
        mkdir -p "$DEVICE_APP_ARM64_OUT"
        export DEVICE_APP_ARM64_BACKGROUND=1
        echo "log: $DEVICE_APP_ARM64_OUT/arm64-run.log"
        (bash tools/vm/arm64.sh --out "$DEVICE_APP_ARM64_OUT" > "$DEVICE_APP_ARM64_OUT/arm64-run.log" 2>&1 \
            || echo "exit status $?" >> "$DEVICE_APP_ARM64_OUT/arm64-run.log") &
    fi
fi

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
