#!/usr/bin/env bash
# Install, upgrade or remove device-app on 64-bit Raspberry Pi OS Lite (Bookworm or Trixie) as a
# full-screen service. It installs a wheel into a fresh virtual environment, never an editable
# checkout, and needs no git. Run --help for the options; docs/raspberry-pi.md walks through it.
#
# Safe to run again: a run with a newer wheel is an upgrade (config and tokens kept, the old
# version's files removed, the service restarted). --dry-run prints the plan on any machine,
# without root, and changes nothing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(dirname "$HERE")"
APP_USER=device-app
BOARD=pi-hdmi-1080p
WHEELS=""
ROOT=""
DRY_RUN=0
FORCE=0
KEEP_DESKTOP=0
START=0
CEC=0
NO_SYSTEMD=0
# 1 when systemd is not running (a chroot, an image build, --root): unit files are enabled
# offline, as an image needs them at its first boot; nothing is started or reloaded.
SYSTEMD_OFFLINE=0
NO_APT=0
UNINSTALL=0
KEEP_TOKENS=0
KEEP_CONFIG=0
# Overridable so that the tests can pretend to be another machine; normal runs never set these.
MODEL_FILE="${DEVICE_APP_MODEL_FILE:-/proc/device-tree/model}"
OS_RELEASE="${DEVICE_APP_OS_RELEASE:-/etc/os-release}"
PYTHON="${DEVICE_APP_PYTHON:-python3}"

# Debian packages:
# - python3-venv: the venv; python3-dev, gcc, linux-libc-dev (BUILD_PACKAGES): building
#   python-evdev, whose PyPI release is source only (not needed with --wheels);
# - libegl1, libgles2, libgbm1, libdrm2, libgl1-mesa-dri: what the pygame-ce wheel's SDL loads
#   for kmsdrm (EGL/GLES on GBM, plus Mesa's vc4/v3d drivers);
# - v4l-utils (cec-ctl) and ir-keytable: HDMI-CEC and IR remotes as input devices;
# - fonts-dejavu-core: a fallback font for the console.
PACKAGES=(python3 python3-venv
          libegl1 libgles2 libgbm1 libdrm2 libgl1-mesa-dri
          v4l-utils ir-keytable fonts-dejavu-core)
# Only to build python-evdev from source; --wheels brings it built.
BUILD_PACKAGES=(python3-dev gcc linux-libc-dev)

usage() {
    cat <<'USAGE'
Usage: install-pi.sh [options]            install, or upgrade what is installed
       install-pi.sh --uninstall [--keep-tokens] [--keep-config]

Where the app comes from:
  (default)        build a wheel from the source folder this script is in (a checkout or an
                   unpacked sdist) and install it with its dependencies from PyPI
  --wheels DIR     offline and fleet installs: install device-app[pi] from the wheels in DIR
                   only (pip --no-index --find-links DIR); the newest device-app there wins.
                   Make DIR once, on a 64-bit Pi with network:
                     pip wheel --wheel-dir DIR 'device_app-X.Y.Z-py3-none-any.whl[pi]'

Options:
  --board NAME     board configuration to run (default: pi-hdmi-1080p; see "device-app boards")
  --dry-run        print what would be done and change nothing (any machine, no root needed)
  --force          install even when this is not a Raspberry Pi (a PC or a VM, x86_64/aarch64)
  --keep-desktop   do not switch the boot target to the console (multi-user.target)
  --start          start the service at the end (an upgrade restarts a running service anyway)
  --cec            also register the Pi as an HDMI-CEC playback device at boot (TV remote)
  --no-systemd     do not run systemctl at all. When systemd is not running (a chroot, an
                   image build) the service is enabled offline and not started
  --no-apt         do not install Debian packages (they are already there)
  --root DIR       install under DIR instead of / (tests, image builds): implies --no-apt,
                   creates no user, leaves files owned by root, enables the service in DIR
                   offline (systemctl --root) and starts nothing
  --uninstall      stop and remove the service, the app, its config and its tokens
  --keep-tokens    with --uninstall: keep the tokens in /var/lib/device-app (and the user)
  --keep-config    with --uninstall: keep /etc/device-app and /etc/default/device-app
  -h, --help       this text

Layout: /opt/device-app/releases/<time>/ is one release's virtual environment and
/opt/device-app/venv links to the current one; /etc/device-app/provider.toml and
/etc/default/device-app (0600, root: the client secret goes there) are the configuration;
/var/lib/device-app (0700, the service user) holds the tokens.
Supported: aarch64 (64-bit Raspberry Pi OS) and x86_64. 32-bit Raspberry Pi OS (armhf) is
refused: pygame-ce and Pillow publish no 32-bit ARM wheels on PyPI.
Exit codes: 0 done, 2 bad option, 3 unsupported machine, 4 not root.
USAGE
}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }

# run CMD...: execute, or in a dry run print it, quoted so that it can be pasted into a shell.
run() {
    if [[ $DRY_RUN == 1 ]]; then
        printf 'would run:'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

# write_file PATH MODE CONTENT: create PATH (owned by root) only when it does not exist, so
# that local edits survive upgrades. An existing file still gets MODE and root ownership: the
# defaults file may hold a secret, whatever an older installer left.
write_file() {
    local path=$1 mode=$2 content=$3
    if [[ -e $path ]]; then
        say "keeping existing $path (mode $mode, owner root)"
        run chown root:root "$path"
        run chmod "$mode" "$path"
        return
    fi
    if [[ $DRY_RUN == 1 ]]; then
        printf 'would write %s (mode %s, owner root):\n' "$path" "$mode"
        printf '%s\n' "$content" | sed 's/^/    | /'
        return
    fi
    install -m "$mode" -o root -g root /dev/null "$path"
    printf '%s\n' "$content" > "$path"
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --board) [[ $# -ge 2 ]] || die "--board needs a name" 2; BOARD=$2; shift 2 ;;
            --board=*) BOARD=${1#--board=}; shift ;;
            --wheels) [[ $# -ge 2 ]] || die "--wheels needs a folder" 2; WHEELS=$2; shift 2 ;;
            --wheels=*) WHEELS=${1#--wheels=}; shift ;;
            --root) [[ $# -ge 2 ]] || die "--root needs a folder" 2; ROOT=$2; shift 2 ;;
            --root=*) ROOT=${1#--root=}; shift ;;
            --dry-run) DRY_RUN=1; shift ;;
            --force) FORCE=1; shift ;;
            --keep-desktop) KEEP_DESKTOP=1; shift ;;
            --start) START=1; shift ;;
            --cec) CEC=1; shift ;;
            --no-systemd) NO_SYSTEMD=1; shift ;;
            --no-apt) NO_APT=1; shift ;;
            --uninstall) UNINSTALL=1; shift ;;
            --keep-tokens) KEEP_TOKENS=1; shift ;;
            --keep-config) KEEP_CONFIG=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) die "unknown option: $1 (see --help)" 2 ;;
        esac
    done
    [[ $BOARD =~ ^[A-Za-z0-9._-]+$ ]] || die "--board: '$BOARD' is not a board name" 2
    if [[ $UNINSTALL == 0 && ( $KEEP_TOKENS == 1 || $KEEP_CONFIG == 1 ) ]]; then
        die "--keep-tokens and --keep-config go with --uninstall" 2
    fi
    if [[ -n $WHEELS ]]; then
        [[ -d $WHEELS ]] || die "--wheels: no folder $WHEELS" 2
        WHEELS="$(cd "$WHEELS" && pwd)"
        compgen -G "$WHEELS/device_app-*.whl" >/dev/null \
            || die "--wheels: no device_app-*.whl in $WHEELS" 2
    elif [[ $UNINSTALL == 0 && ! -f $SRC/pyproject.toml ]]; then
        die "$SRC is not a device-app source folder: give --wheels DIR" 2
    fi
    if [[ -n $ROOT ]]; then
        [[ -d $ROOT ]] || die "--root: no folder $ROOT" 2
        ROOT="$(cd "$ROOT" && pwd)"
        NO_APT=1
        SYSTEMD_OFFLINE=1
    fi
    [[ $UNINSTALL == 1 ]] || check_board_name
    PREFIX=$ROOT/opt/device-app
    STATE_DIR=$ROOT/var/lib/device-app
    CONF_DIR=$ROOT/etc/device-app
    DEFAULTS=$ROOT/etc/default/device-app
    UNIT_DIR=$ROOT/etc/systemd/system
}

# newest_wheel DIR: the device_app wheel pip would pick from DIR (the highest version).
newest_wheel() {
    local dir=$1
    find "$dir" -maxdepth 1 -name 'device_app-*.whl' -printf '%f\n' \
        | sort -t- -k2,2V | tail -n 1 | sed "s|^|$dir/|"
}

# check_board_name: the board must be one the release ships (board_configs/ in the source
# folder, device_app/board_configs/ in the wheel), so that a typo fails before anything changes.
check_board_name() {
    local known where
    if [[ -n $WHEELS ]]; then
        where=$(newest_wheel "$WHEELS")
        known=$("$PYTHON" -c 'import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
pre = "device_app/board_configs/"
print(" ".join(sorted(n[len(pre):-5] for n in names if n.startswith(pre) and n.endswith(".toml"))))' "$where") \
            || die "--wheels: cannot read $where" 2
    else
        where=$SRC
        known=$(cd "$SRC/board_configs" && for f in *.toml; do printf '%s ' "${f%.toml}"; done)
    fi
    [[ " $known " == *" $BOARD "* ]] \
        || die "--board: no board_configs/$BOARD.toml in $where (known boards: ${known% })" 2
}

# The userland's architecture, not the kernel's: 32-bit Raspberry Pi OS runs a 64-bit kernel
# on a Pi 4 or 5, where "uname -m" says aarch64 but every program is armhf.
machine_arch() {
    if [[ -n ${DEVICE_APP_ARCH:-} ]]; then
        printf '%s\n' "$DEVICE_APP_ARCH"
    elif command -v dpkg >/dev/null 2>&1; then
        dpkg --print-architecture
    else
        uname -m
    fi
}

check_arch() {
    local arch
    arch=$(machine_arch)
    case $arch in
        arm64|aarch64|amd64|x86_64) say "architecture: $arch" ;;
        armhf|armel|armv6l|armv7l|armv8l)
            die "this is 32-bit Raspberry Pi OS ($arch), which device-app does not support because pygame-ce and Pillow publish no 32-bit ARM wheels on PyPI: install the 64-bit Raspberry Pi OS (arm64) and run this again" 3 ;;
        *) die "unsupported architecture $arch: device-app installs on aarch64 (64-bit Raspberry Pi OS) and x86_64" 3 ;;
    esac
}

check_platform() {
    local model=""
    if [[ -r $MODEL_FILE ]]; then
        model=$(tr -d '\0' < "$MODEL_FILE")
    fi
    if [[ $model == "Raspberry Pi"* ]]; then
        say "hardware: $model"
    elif [[ $FORCE == 1 ]]; then
        warn "this does not look like a Raspberry Pi (${model:-no $MODEL_FILE}); going on (--force)"
    elif [[ $DRY_RUN == 1 ]]; then
        warn "this does not look like a Raspberry Pi (${model:-no $MODEL_FILE}); a real run needs --force"
    else
        die "this does not look like a Raspberry Pi (${model:-no $MODEL_FILE}); use --force to install anyway" 3
    fi
    local codename=""
    if [[ -r $OS_RELEASE ]]; then
        codename=$(sed -n 's/^VERSION_CODENAME=//p' "$OS_RELEASE" | tr -d '"')
    fi
    case $codename in
        bookworm|trixie) say "system: Debian/Raspberry Pi OS $codename" ;;
        *) warn "tested on Bookworm and Trixie only; this is '${codename:-unknown}'" ;;
    esac
}

check_root() {
    if [[ $DRY_RUN == 0 && $EUID -ne 0 ]]; then
        die "run as root (sudo $0 ...), or try --dry-run first" 4
    fi
    if [[ $DRY_RUN == 0 && $NO_SYSTEMD == 0 && $SYSTEMD_OFFLINE == 0 && ! -d /run/systemd/system ]]; then
        say "systemd is not running here (a chroot or an image build): the service is enabled, not started"
        SYSTEMD_OFFLINE=1
    fi
}

# systemctl_run ARGS...: systemctl, or what of it makes sense here. Offline (systemd not
# running, or --root) only the commands that edit unit files run (enable, disable,
# set-default; without --now), on the tree under --root when given; --no-systemd runs none.
systemctl_run() {
    if [[ $NO_SYSTEMD == 1 ]]; then
        say "skipping: systemctl $*"
        return
    fi
    if [[ $SYSTEMD_OFFLINE == 0 ]]; then
        run systemctl "$@"
        return
    fi
    case $1 in
        enable|disable|set-default) ;;
        *) say "skipping: systemctl $* (systemd is not running here)"; return ;;
    esac
    local args=() arg
    for arg in "$@"; do
        [[ $arg == --now ]] || args+=("$arg")
    done
    [[ -z $ROOT ]] || args=(--root="$ROOT" "${args[@]}")
    run systemctl "${args[@]}" \
        || warn "could not run systemctl ${args[*]}; run it on the running system"
}

install_packages() {
    if [[ $NO_APT == 1 ]]; then
        say "skipping Debian packages (--no-apt)"
        return
    fi
    local packages=("${PACKAGES[@]}")
    [[ -n $WHEELS ]] || packages+=("${BUILD_PACKAGES[@]}")
    say "installing Debian packages"
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
}

create_user() {
    if [[ -n $ROOT ]]; then
        say "no service user under --root; files stay owned by root"
        return
    fi
    if id -u "$APP_USER" >/dev/null 2>&1; then
        say "user $APP_USER exists"
    else
        say "creating system user $APP_USER"
        run useradd --system --user-group --home-dir /var/lib/device-app --no-create-home \
            --shell /usr/sbin/nologin --comment "device-app service" "$APP_USER"
    fi
    local group
    for group in video render input; do
        if getent group "$group" >/dev/null; then
            run usermod -aG "$group" "$APP_USER"
        else
            warn "no '$group' group on this system; skipping it"
        fi
    done
}

# pip_install VENV: device-app[pi] into VENV, from --wheels or from a wheel built from $SRC.
pip_install() {
    local venv=$1
    if [[ -n $WHEELS ]]; then
        run "$venv/bin/pip" install --quiet --no-index --find-links "$WHEELS" "device-app[pi]"
        return
    fi
    # Built from a copy, so that the build leaves nothing in the source folder.
    local work=/tmp/device-app-build.XXXXXX
    if [[ $DRY_RUN == 0 ]]; then
        work=$(mktemp -d /tmp/device-app-build.XXXXXX)
        # shellcheck disable=SC2064  # expand now: $work is local to this function
        trap "rm -rf '$work'" EXIT
        mkdir "$work/src"
        tar -C "$SRC" --exclude=.git --exclude=.venv --exclude=__pycache__ --exclude=build \
            --exclude=dist --exclude='*.egg-info' --exclude=node_modules -cf - . \
            | tar -C "$work/src" -xf -
    fi
    run "$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src"
    if [[ $DRY_RUN == 1 ]]; then
        run "$venv/bin/pip" install --quiet "$work/dist/device_app-VERSION-py3-none-any.whl[pi]"
    else
        local wheel
        wheel=$(compgen -G "$work/dist/device_app-*.whl")
        run "$venv/bin/pip" install --quiet "${wheel}[pi]"
    fi
}

# install_release: a fresh venv in releases/, checked, then made current by one rename of the
# "venv" link; older releases (and an old installer's app/ and venv/ folders) are removed.
install_release() {
    local name release
    name=$(date -u +%Y%m%dT%H%M%SZ)-$$
    release=$PREFIX/releases/$name
    say "installing the app into $release"
    run install -d -m 0755 "$PREFIX" "$PREFIX/releases"
    run "$PYTHON" -m venv "$release"
    pip_install "$release"
    run "$release/bin/device-app" check-board "$BOARD"
    if [[ $DRY_RUN == 0 ]]; then
        say "installed: $("$release/bin/python" -I -c \
            'import importlib.metadata as m; print("device-app", m.version("device-app"))')"
    fi
    if [[ -d $PREFIX/venv && ! -L $PREFIX/venv ]]; then
        run rm -rf "$PREFIX/venv"  # a venv folder from an older installer
    fi
    run ln -sfn "releases/$name" "$PREFIX/venv.new"
    run mv -T "$PREFIX/venv.new" "$PREFIX/venv"
    local old
    for old in "$PREFIX"/releases/* "$PREFIX/app"; do
        if [[ -e $old && $old != "$release" ]]; then
            say "removing the previous version's files: $old"
            run rm -rf "$old"
        fi
    done
}

configure() {
    say "configuration"
    run install -d -m 0755 "$CONF_DIR" "$ROOT/etc/default" "$UNIT_DIR"
    write_file "$DEFAULTS" 0600 "# device-app service settings (read by systemd for device-app.service).
# The command line the service runs; see: /opt/device-app/venv/bin/device-app --help
DEVICE_APP_ARGS=\"run --board $BOARD --provider /etc/device-app/provider.toml --token-store /var/lib/device-app\"
# A confidential client's secret, if your provider needs one (this file is 0600, root only):
# DEVICE_APP_CLIENT_SECRET="
    write_file "$CONF_DIR/provider.toml" 0644 "# Your authorization server: see docs/raspberry-pi.md and the provider guides.
# provider = \"keycloak\"
# issuer = \"https://sso.example.com/realms/home\"
# client_id = \"living-room-tv\""
    if [[ -n $ROOT ]]; then
        run install -d -m 0700 "$STATE_DIR"
    else
        run install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$STATE_DIR"
    fi
    [[ -f $HERE/device-app.service ]] \
        || die "no $HERE/device-app.service: run the install-pi.sh of a device-app source folder or sdist" 2
    run install -m 0644 "$HERE/device-app.service" "$UNIT_DIR/device-app.service"
    if [[ $CEC == 1 ]]; then
        run install -m 0644 "$HERE/device-app-cec.service" "$UNIT_DIR/device-app-cec.service"
    fi
}

start_service() {
    systemctl_run daemon-reload
    systemctl_run enable device-app.service
    if [[ $CEC == 1 ]]; then
        systemctl_run enable device-app-cec.service
    fi
    if [[ $KEEP_DESKTOP == 0 ]]; then
        # A desktop session would hold DRM master on the screen the app wants.
        systemctl_run set-default multi-user.target
    fi
    if [[ $START == 1 ]]; then
        systemctl_run restart device-app.service
    else
        # An upgrade: a running service restarts on the new release; a stopped one stays stopped.
        systemctl_run try-restart device-app.service
    fi
}

uninstall() {
    say "removing device-app"
    if [[ -e $UNIT_DIR/device-app.service || $DRY_RUN == 1 ]]; then
        systemctl_run disable --now device-app.service
    fi
    if [[ -e $UNIT_DIR/device-app-cec.service ]]; then
        systemctl_run disable --now device-app-cec.service
    fi
    run rm -f "$UNIT_DIR/device-app.service" "$UNIT_DIR/device-app-cec.service"
    systemctl_run daemon-reload
    run rm -rf "$PREFIX"
    if [[ $KEEP_CONFIG == 1 ]]; then
        say "keeping the configuration: $CONF_DIR $DEFAULTS"
    else
        run rm -rf "$CONF_DIR" "$DEFAULTS"
    fi
    if [[ $KEEP_TOKENS == 1 ]]; then
        say "keeping the tokens in $STATE_DIR and the user $APP_USER (--keep-tokens)"
        return
    fi
    run rm -rf "$STATE_DIR"
    if [[ -z $ROOT ]] && id -u "$APP_USER" >/dev/null 2>&1; then
        run userdel "$APP_USER"
    fi
}

notes() {
    cat <<NOTES

Done$( [[ $DRY_RUN == 1 ]] && printf ' (dry run: nothing was changed)' ).
Next steps:
  1. Edit /etc/device-app/provider.toml (issuer, client_id) and, if needed, /etc/default/device-app.
  2. Keep the console from blanking: add  consoleblank=0  to the single line in
     /boot/firmware/cmdline.txt (the TV's own power saving still applies).
  3. Optional, for power-cut safety: raspi-config > Performance Options > Overlay File System,
     with /var/lib/device-app on a small separate writable partition so tokens survive reboots.
  4. Reboot, or: sudo systemctl start device-app; logs: journalctl -t device-app -f
NOTES
}

main() {
    parse_args "$@"
    check_arch
    if [[ $UNINSTALL == 1 ]]; then
        check_root
        uninstall
        say "removed$( [[ $DRY_RUN == 1 ]] && printf ' (dry run: nothing was changed)' )"
        return
    fi
    check_platform
    check_root
    install_packages
    create_user
    install_release
    configure
    start_service
    notes
}

main "$@"
