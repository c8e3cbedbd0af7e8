#!/usr/bin/env bash
# device-app on aarch64, the Raspberry Pi's architecture: deploy/install-pi.sh, unmodified, in
# an arm64 Debian 12 chroot run by qemu-user-static (binfmt), from a folder of aarch64 wheels;
# then "device-app screenshot" there. The QR in the screenshot is decoded on the host.
#
#   bash tools/vm/arm64.sh --out DIR
#
# Leaves in DIR: arm64-activation.png, arm64.json (steps, times, what was checked) and the
# logs. Needs root (debootstrap, chroot, binfmt). Exit status: 0 checked, 1 failed, 77 this
# machine cannot run it (not root, no apt-get, or binfmt_misc cannot be mounted).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT=""
WORK=${VM_ARM64_DIR:-/var/tmp/device-app-arm64}
MIRROR=${VM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_PY=${VM_HOST_PYTHON:-$SRC/.venv/bin/python}
# What the chroot needs: Python 3.11 with venv (bookworm's, like Raspberry Pi OS), and gcc with
# the headers to build python-evdev, the one dependency PyPI ships as source only; that build
# is the "pip wheel on a 64-bit Pi" step the installer's --help asks of a fleet owner.
PACKAGES=python3,python3-venv,python3-dev,gcc,libc6-dev,linux-libc-dev
declare -A SECONDS_FOR=()

while [[ $# -gt 0 ]]; do
    case $1 in
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "usage: arm64.sh --out DIR" >&2; exit 2 ;;
    esac
done
[[ -n $OUT ]] || { echo "usage: arm64.sh --out DIR" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "arm64.sh: needs root (debootstrap, chroot, binfmt)" >&2; exit 77; }
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
ROOT="$WORK/rootfs"
# One run at a time; tests/vm/test_arm64.py waits on this lock for a run tools/test.sh started
# in the background, then reads its arm64.json.
exec 9>"$OUT/.lock"
flock 9
rm -f "$OUT/arm64.json"

timed() {
    local name=$1 start=$SECONDS
    shift
    printf '==> %s\n' "$name"
    "$@"
    SECONDS_FOR[$name]=$((SECONDS - start))
    printf '    %s: %ds\n' "$name" "${SECONDS_FOR[$name]}"
}

# qemu-user-static from Debian; its binfmt.d entry (flag F: the interpreter is opened now, so
# the chroot needs no copy of it) written to the kernel's binfmt_misc by hand, as no systemd
# runs here to do it.
binfmt() {
    if ! command -v debootstrap >/dev/null || [[ ! -e /usr/lib/binfmt.d/qemu-aarch64.conf ]]; then
        command -v apt-get >/dev/null || { echo "arm64.sh: no apt-get" >&2; exit 77; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            qemu-user-static debootstrap >/dev/null
    fi
    local misc=/proc/sys/fs/binfmt_misc
    [[ -e $misc/register ]] || mount -t binfmt_misc binfmt_misc "$misc" 2>/dev/null \
        || { echo "arm64.sh: cannot mount binfmt_misc here" >&2; exit 77; }
    [[ -e $misc/qemu-aarch64 ]] || cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$misc/register"
}

rootfs() {
    umount_chroot
    # Never rm -rf a tree with the host's /dev bound inside it.
    if grep -q " $ROOT/" /proc/mounts; then
        echo "arm64.sh: something is still mounted under $ROOT" >&2
        return 1
    fi
    rm -rf "$ROOT"
    debootstrap --arch=arm64 --variant=minbase --include="$PACKAGES" --components=main \
        bookworm "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
        || { tail -30 "$WORK/debootstrap.log" >&2; return 1; }
}

# The wheel folder a fleet owner carries to the Pi: device-app from this checkout and its
# dependencies as aarch64 wheels for CPython 3.11; evdev's source and setuptools to build it.
wheels() {
    local dir="$WORK/wheels"
    rm -rf "$dir"
    mkdir -p "$dir"
    bash "$SRC/tools/vm/wheel.sh" "$SRC" "$dir" "$HOST_PY"
    "$HOST_PY" -m pip download -q --only-binary=:all: --python-version 3.11 --implementation cp \
        --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
        --platform manylinux_2_17_aarch64 -d "$dir" "$(ls "$dir"/device_app-*.whl)"
    "$HOST_PY" -m pip download -q --no-deps --no-binary=:all: -d "$WORK/sdist" evdev==2.0.0
    "$HOST_PY" -m pip download -q --no-deps --only-binary=:all: -d "$WORK/sdist" \
        'setuptools>=77' wheel
}

mount_chroot() {
    mount -t proc proc "$ROOT/proc"
    mount --bind /dev "$ROOT/dev"
}

umount_chroot() {
    umount -l "$ROOT/dev" "$ROOT/proc" 2>/dev/null || true
}

chroot_run() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

build_evdev() {
    rm -rf "$ROOT/tmp/wheels" "$ROOT/tmp/sdist"
    cp -r "$WORK/wheels" "$ROOT/tmp/wheels"
    cp -r "$WORK/sdist" "$ROOT/tmp/sdist"
    chroot_run python3 -m venv /tmp/build
    chroot_run /tmp/build/bin/pip wheel -q --no-index --find-links /tmp/sdist --no-deps \
        -w /tmp/wheels evdev==2.0.0
}

install_app() {
    rm -rf "$ROOT/tmp/deploy"
    cp -r "$SRC/deploy" "$ROOT/tmp/deploy"
    chroot_run bash /tmp/deploy/install-pi.sh --wheels /tmp/wheels --force --no-apt \
        > "$OUT/arm64-install-pi.log" 2>&1 || { cat "$OUT/arm64-install-pi.log" >&2; return 1; }
}

screenshot() {
    chroot_run env SDL_VIDEODRIVER=dummy /opt/device-app/venv/bin/device-app screenshot \
        --board pi-hdmi-1080p --screen activation --out /tmp/activation.png
    cp "$ROOT/tmp/activation.png" "$OUT/arm64-activation.png"
}

# What was checked, as JSON: the architectures seen, the installer's lines, the QR.
check() {
    local arch machine pyarch
    arch=$(chroot_run dpkg --print-architecture)
    machine=$(chroot_run uname -m)
    pyarch=$(chroot_run env PYGAME_HIDE_SUPPORT_PROMPT=1 /opt/device-app/venv/bin/python -c \
        'import platform, pygame; print(platform.machine(), pygame.version.ver)' 2>/dev/null)
    ARCH="$arch" MACHINE="$machine" PYARCH="$pyarch" TIMES="$(declare -p SECONDS_FOR)" \
        "$HOST_PY" - "$OUT" <<'PY'
import json, os, re, sys
from pathlib import Path

import zxingcpp
from PIL import Image

out = Path(sys.argv[1])
log = (out / "arm64-install-pi.log").read_text()
with Image.open(out / "arm64-activation.png") as im:
    qr = [r.text for r in zxingcpp.read_barcodes(im.convert("RGB"))]
times = dict(re.findall(r'\[([a-z_]+)\]="(\d+)"', os.environ["TIMES"]))
found = {
    "dpkg_architecture": os.environ["ARCH"],
    "uname_machine": os.environ["MACHINE"],
    "venv_python_machine_and_pygame": os.environ["PYARCH"],
    "installer_saw": [x for x in log.splitlines() if x.startswith("==> architecture")],
    "installer_warnings": [x for x in log.splitlines() if x.startswith("warning:")],
    "qr": qr,
    "seconds": {k: int(v) for k, v in times.items()},
}
ok = (
    found["dpkg_architecture"] == "arm64"
    and found["installer_saw"] == ["==> architecture: arm64"]
    and found["venv_python_machine_and_pygame"].startswith("aarch64 ")
    and any("user_code=" in t for t in qr)
)
found["verdict"] = "pass" if ok else "fail"
(out / "arm64.json").write_text(json.dumps(found, indent=2) + "\n")
print(json.dumps(found, indent=2))
sys.exit(0 if ok else 1)
PY
}

main() {
    local start=$SECONDS
    timed binfmt binfmt
    wheels > "$WORK/wheels.log" 2>&1 &
    local wheels_pid=$!
    timed debootstrap rootfs
    timed wheels_wait wait "$wheels_pid" || { cat "$WORK/wheels.log" >&2; exit 1; }
    trap umount_chroot EXIT
    mount_chroot
    timed build_evdev build_evdev
    timed install_pi install_app
    timed screenshot screenshot
    SECONDS_FOR[total]=$((SECONDS - start))
    check
}

main
