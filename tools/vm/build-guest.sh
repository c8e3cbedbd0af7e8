#!/usr/bin/env bash
# Build the virtual TV's disk: a Debian 12 rootfs made by debootstrap, set up in a chroot the
# way a Raspberry Pi OS Lite image is, with device-app installed, turned into a raw ext4 image.
#
#   bash tools/vm/build-guest.sh WORKDIR
#
# Leaves WORKDIR/guest.img, WORKDIR/vmlinuz, WORKDIR/initrd.img and WORKDIR/build-times.json.
# Needs root (debootstrap, chroot). CI builds it from nothing on every run, so every choice
# below is about speed: minbase, no recommends, one apt pass, a small initramfs.
set -euo pipefail

WORK=${1:?usage: build-guest.sh WORKDIR}
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GUEST_FILES="$SRC/tools/vm/guest"
ROOT="$WORK/rootfs"
WHEELS="$WORK/wheels"
MIRROR=${VM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_PY=${VM_HOST_PYTHON:-python3}
IMAGE_SIZE=${VM_IMAGE_SIZE:-3G}
# The simulator's confidential client secret (docs/simulator.md); the journal must never show it.
CANARY_SECRET=demo-secret

# What the guest needs, and why:
# - systemd, systemd-sysv, udev, dbus: PID 1, /dev/dri and /dev/input nodes, logind for PAMName;
# - linux-image-amd64 + initramfs-tools: a stock kernel that has virtio-gpu (a real KMS device);
# - python3, python3-venv: the app's venv (bookworm: Python 3.11, like Raspberry Pi OS);
# - libdrm2 libgbm1 libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri: what the pygame-ce wheel's SDL
#   loads at run time for its KMSDRM driver (the same list deploy/install-pi.sh installs);
# - fonts-dejavu-core, v4l-utils, ir-keytable: the rest of what install-pi.sh installs (it runs
#   with --no-apt below: a chroot build puts the packages in first, as Pi image builds do);
# - kbd: setfont/chvt for tty1;
# - libpam-systemd: the unit's PAMName=login session on tty1 goes through logind.
PACKAGES=systemd,systemd-sysv,udev,dbus,libpam-systemd,kmod,linux-image-amd64,initramfs-tools,\
python3,python3-venv,libdrm2,libgbm1,libegl1,libegl-mesa0,libgles2,libgl1-mesa-dri,\
fonts-dejavu-core,v4l-utils,ir-keytable,kbd,procps,sqlite3

TIMES="$WORK/build-times.json"
declare -A SECONDS_FOR=()

# timed NAME CMD...: run CMD, remember how long it took (reported in build-times.json).
timed() {
    local name=$1 start=$SECONDS
    shift
    printf '==> %s\n' "$name"
    "$@"
    SECONDS_FOR[$name]=$((SECONDS - start))
    printf '    %s: %ds\n' "$name" "${SECONDS_FOR[$name]}"
}

need_host_tools() {
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v qemu-img >/dev/null || missing+=(qemu-utils)
    command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
    [[ ${#missing[@]} -eq 0 ]] && return
    [[ $EUID -eq 0 ]] || { echo "error: need root to install ${missing[*]}" >&2; exit 77; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# VM_KEEP_BASE=1 (for whoever iterates on the guest locally; CI has no cache to keep): the
# debootstrap result is kept as a tar keyed by the package list and reused while that holds.
rootfs() {
    local base
    base="$WORK/base-$(printf '%s %s' "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-12).tar"
    # Never rm -rf a tree with the host's /dev bound inside it (a build cut short).
    umount_chroot
    if grep -q " $ROOT/" /proc/mounts; then
        echo "error: something is still mounted under $ROOT" >&2
        return 1
    fi
    rm -rf "$ROOT"
    if [[ ${VM_KEEP_BASE:-0} == 1 && -f $base ]]; then
        mkdir "$ROOT"
        tar -C "$ROOT" -xf "$base"
        return
    fi
    debootstrap_base
    if [[ ${VM_KEEP_BASE:-0} == 1 ]]; then
        tar -C "$ROOT" -cf "$base.part" . && mv "$base.part" "$base"
    fi
}

debootstrap_base() {
    # minbase: only Essential + apt; --include adds what the TV needs (dependencies, no recommends).
    debootstrap --variant=minbase --include="$PACKAGES" --components=main \
        bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -30 "$WORK/debootstrap.log" >&2; return 1; }
}

# Wheels for the guest: device-app from this checkout, its dependencies (with the simulator
# extra, which runs inside the guest as a test-only unit) as manylinux wheels for CPython 3.11,
# and python-evdev, which PyPI ships as source only, built here (host and guest are both
# x86_64 glibc, CPython 3.11).
wheels() {
    rm -rf "$WHEELS"
    mkdir -p "$WHEELS"
    bash "$SRC/tools/vm/wheel.sh" "$SRC" "$WHEELS" "$HOST_PY"
    "$HOST_PY" -m pip wheel -q --no-deps evdev==2.0.0 -w "$WHEELS"
    local app
    app=$(ls "$WHEELS"/device_app-*.whl)
    "$HOST_PY" -m pip download -q --only-binary=:all: --python-version 3.11 --implementation cp \
        --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_17_x86_64 --platform linux_x86_64 \
        --find-links "$WHEELS" -d "$WHEELS" "${app}[simulator,pi]"
}

# chroot_run CMD...: run CMD inside the rootfs with /proc, /sys and /dev available.
chroot_run() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

mount_chroot() {
    mount -t proc proc "$ROOT/proc"
    mount -t sysfs sys "$ROOT/sys"
    mount --bind /dev "$ROOT/dev"
}

umount_chroot() {
    umount -l "$ROOT/dev" "$ROOT/sys" "$ROOT/proc" 2>/dev/null || true
}

# The system as a Pi owner would have it before installing device-app: a console machine.
configure_system() {
    echo tv > "$ROOT/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 tv\n::1 localhost\n' > "$ROOT/etc/hosts"
    printf '/dev/vda / ext4 rw,relatime 0 1\n' > "$ROOT/etc/fstab"
    # Persistent journal: the power-cut and reboot scenarios read earlier boots' lines.
    mkdir -p "$ROOT/var/log/journal"
    chroot_run systemctl set-default multi-user.target >/dev/null
    # Nothing here needs these, and each costs boot time under software emulation.
    chroot_run systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
        e2scrub_reap.service fstrim.timer systemd-timesyncd.service 2>/dev/null >/dev/null || true
    # A root login on the serial console helps a developer who boots the image by hand.
    chroot_run passwd -d root >/dev/null
    # A small initramfs: only what mounts a virtio disk (MODULES=dep would look at the host).
    sed -i 's/^MODULES=.*/MODULES=list/' "$ROOT/etc/initramfs-tools/initramfs.conf"
    printf 'virtio_pci\nvirtio_blk\next4\n' >> "$ROOT/etc/initramfs-tools/modules"
    chroot_run update-initramfs -u -k all >/dev/null 2>&1
}

# install_device_app: put device-app into the guest the way a Pi owner (or a Pi image build)
# does: the project's own deploy/install-pi.sh, unmodified, run in the chroot with a folder of
# wheels. --no-apt: debootstrap already installed the Debian packages it would ask for
# (PACKAGES above). systemd is not running in a chroot: the installer sees that, enables the
# unit offline and starts nothing.
install_device_app() {
    rm -rf "$ROOT/tmp/device-app-deploy" "$ROOT/tmp/wheels"
    cp -r "$SRC/deploy" "$ROOT/tmp/device-app-deploy"
    cp -r "$WHEELS" "$ROOT/tmp/wheels"
    chroot_run bash /tmp/device-app-deploy/install-pi.sh --wheels /tmp/wheels --force --no-apt \
        > "$WORK/install-pi.log" 2>&1 || { cat "$WORK/install-pi.log" >&2; return 1; }
    [[ -L $ROOT/etc/systemd/system/multi-user.target.wants/device-app.service ]] \
        || { echo "install-pi.sh did not enable device-app.service" >&2; return 1; }
}

# The test-only Python: the simulator (its Flask/Authlib extra) and python-evdev for the uinput
# remote, in a venv of their own so that the app's venv stays exactly as the installer left it.
install_test_venv() {
    chroot_run python3 -m venv /opt/vm/venv
    chroot_run /opt/vm/venv/bin/pip install -q --no-index --find-links /tmp/wheels \
        'device-app[simulator,pi]'
    rm -rf "$ROOT/tmp/device-app-deploy" "$ROOT/tmp/wheels"
}

# The test-only parts: the agent the host drives the guest through, the simulator unit, and
# the scripts the scenarios run inside the guest. Nothing of device-app's own is changed here.
install_test_parts() {
    install -d "$ROOT/opt/vm"
    install_test_venv
    install -m 0755 "$GUEST_FILES"/*.py "$ROOT/opt/vm/"
    # Scenario 11 boots the benchmark's floor program in the app's place (benchmarks/floor.py).
    install -m 0644 "$SRC/benchmarks/floor.py" "$ROOT/opt/vm/floor.py"
    install -m 0644 "$GUEST_FILES"/*.service "$ROOT/etc/systemd/system/"
    chroot_run systemctl enable vm-agent.service vm-simulator.service vm-remote.service >/dev/null 2>&1
    owner_edits
}

# The owner's "next step 1" after the installer: point the app at an authorization server (here
# the simulator, as a confidential client whose secret doubles as a canary the journal must not
# show) and, for the tests, add --events. The installer's files are kept as *.installed so
# scenario 8 can put the comments-only provider file back.
owner_edits() {
    local conf="$ROOT/etc/device-app/provider.toml" defaults="$ROOT/etc/default/device-app"
    cp "$conf" "$conf.installed"
    cp "$defaults" "$defaults.installed"
    printf '%s\n' 'provider = "standard"' 'issuer = "http://127.0.0.1:8765"' \
        'client_id = "tv-confidential"' 'insecure_hosts = ["127.0.0.1"]' > "$conf"
    printf '%s\n' 'DEVICE_APP_ARGS="run --board pi-hdmi-1080p --provider /etc/device-app/provider.toml --token-store /var/lib/device-app --events /var/lib/device-app/events.jsonl --verbose"' \
        "DEVICE_APP_CLIENT_SECRET=$CANARY_SECRET" > "$defaults"
}

kernel_out() {
    cp "$ROOT"/boot/vmlinuz-* "$WORK/vmlinuz"
    cp "$ROOT"/boot/initrd.img-* "$WORK/initrd.img"
}

# Trim what a TV never reads, then write the tree into an ext4 image without mounting it.
image() {
    rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
        "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
    rm -f "$WORK/guest.img"
    mkfs.ext4 -q -F -L tvroot -d "$ROOT" "$WORK/guest.img" "$IMAGE_SIZE"
}

write_times() {
    local first=1 key
    {
        printf '{'
        for key in "${!SECONDS_FOR[@]}"; do
            [[ $first == 1 ]] || printf ', '
            first=0
            printf '"%s": %s' "$key" "${SECONDS_FOR[$key]}"
        done
        printf '}\n'
    } > "$TIMES"
}

main() {
    [[ $EUID -eq 0 ]] || { echo "error: building the guest needs root (debootstrap, chroot)" >&2; exit 77; }
    mkdir -p "$WORK"
    WORK=$(cd "$WORK" && pwd)
    ROOT="$WORK/rootfs"
    WHEELS="$WORK/wheels"
    TIMES="$WORK/build-times.json"
    timed host_tools need_host_tools
    # debootstrap downloads while pip fetches wheels: two network-bound steps side by side.
    wheels > "$WORK/wheels.log" 2>&1 &
    local wheels_pid=$!
    timed debootstrap rootfs
    timed wheels_wait wait "$wheels_pid" || { cat "$WORK/wheels.log" >&2; exit 1; }
    trap umount_chroot EXIT
    mount_chroot
    timed configure configure_system
    timed install_app install_device_app
    timed test_parts install_test_parts
    umount_chroot
    trap - EXIT
    kernel_out
    timed image image
    write_times
    echo "guest image: $WORK/guest.img"
}

main "$@"
