#!/usr/bin/env bash
# The virtual TV: build the Debian guest with device-app in it (when missing or out of date),
# boot it under QEMU, run issue 12's scenarios, leave screenshots, events.jsonl, journal.txt
# and report.json in the output folder. See docs/vm.md.
#
#   bash tools/vm.sh --out DIR [--only 1,2,3] [--power-cuts N] [--rebuild]
#   bash tools/vm.sh --build-only       (tools/test.sh starts this early, in the background)
#
# Needs root (debootstrap, chroot; QEMU comes from Debian's packages). Exit status: 0 when
# every scenario run passed, 1 when one did not, 77 when this machine cannot run it (not root).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

OUT=""
ONLY=1,2,3,4,5,6,7,8,9,10,11
CUTS=5
REBUILD=0
BUILD_ONLY=0
BUILD=${VM_BUILD_DIR:-/var/tmp/device-app-vm}

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --out) OUT=$2; shift 2 ;;
            --only) ONLY=$2; shift 2 ;;
            --power-cuts) CUTS=$2; shift 2 ;;
            --rebuild) REBUILD=1; shift ;;
            --build-only) BUILD_ONLY=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; exit 2 ;;
        esac
    done
    [[ -n $OUT || $BUILD_ONLY == 1 ]] || { usage >&2; exit 2; }
}

# Host tools: QEMU and debootstrap to build and boot; tesseract reads the code drawn on
# screen. All from Debian's packages.
host_packages() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v qemu-img >/dev/null || missing+=(qemu-utils)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
    command -v tesseract >/dev/null || missing+=(tesseract-ocr tesseract-ocr-eng)
    [[ ${#missing[@]} -eq 0 ]] && return
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "vm.sh: needs root and apt-get to install ${missing[*]}" >&2
        exit 77
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

python_env() {
    if [[ ! -x .venv/bin/python ]]; then
        python3 -m venv .venv
    fi
    .venv/bin/python -c 'import zxingcpp, PIL' 2>/dev/null \
        || .venv/bin/python -m pip install --quiet -e '.[test]'
}

# The guest is rebuilt when anything that goes into it changed: the app's source, the
# packaging, the deploy files or the guest build itself.
inputs_hash() {
    git ls-files -s pyproject.toml device_app simulator ui_assets board_configs deploy tools/vm \
        | sha256sum | cut -c1-16
    git diff HEAD -- pyproject.toml device_app simulator ui_assets board_configs deploy tools/vm \
        | sha256sum | cut -c1-16
}

# One build at a time: a run started while an early --build-only is still building waits for
# it, then finds the image up to date.
build_guest() {
    local want
    mkdir -p "$BUILD"
    exec 9>"$BUILD.lock"
    flock 9
    want=$(inputs_hash | tr -d '\n')
    if [[ $REBUILD == 0 && -f $BUILD/guest.img && "$(cat "$BUILD/inputs" 2>/dev/null)" == "$want" ]]; then
        echo "==> guest image is up to date ($BUILD)"
        return
    fi
    VM_HOST_PYTHON="$PWD/.venv/bin/python" bash tools/vm/build-guest.sh "$BUILD"
    printf '%s' "$want" > "$BUILD/inputs"
}

main() {
    parse_args "$@"
    [[ $EUID -eq 0 ]] || { echo "vm.sh: needs root (debootstrap, chroot)" >&2; exit 77; }
    host_packages
    python_env
    build_guest
    [[ $BUILD_ONLY == 0 ]] || exit 0
    mkdir -p "$OUT"
    .venv/bin/python tools/vm/run.py --build "$BUILD" --out "$OUT" --only "$ONLY" \
        --power-cuts "$CUTS"
}

main "$@"
