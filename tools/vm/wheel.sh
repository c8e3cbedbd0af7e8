#!/usr/bin/env bash
# Build device-app's wheel into OUT from a private copy of the checkout at SRC.
#
#   bash tools/vm/wheel.sh SRC OUT [PYTHON]
#
# pip builds a local project in its own tree (SRC/build), so two builds of one checkout at
# once collided there ("File exists: build/bdist.linux-x86_64/wheel/...dist-info"): the guest
# image and the arm64 chroot, which tools/test.sh starts together. The copy holds what git
# tracks plus new files it does not ignore, as they are in the working tree.
set -euo pipefail
SRC=${1:?usage: wheel.sh SRC OUT [PYTHON]}
OUT=${2:?usage: wheel.sh SRC OUT [PYTHON]}
PY=${3:-python3}
copy=$(mktemp -d /tmp/device-app-wheel-src.XXXXXX)
trap 'rm -rf "$copy"' EXIT
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$SRC" ls-files -z --cached --others --exclude-standard \
        | tar -C "$SRC" --null --ignore-failed-read -T - -cf - 2>/dev/null \
        | tar -C "$copy" -xf -
else
    tar -C "$SRC" --exclude=./.venv --exclude=./.cache --exclude=./build --exclude=./.git \
        -cf - . | tar -C "$copy" -xf -
fi
"$PY" -m pip wheel -q --no-deps "$copy" -w "$OUT"
