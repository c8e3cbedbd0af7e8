#!/usr/bin/env bash
# Install device-app on Raspberry Pi OS Lite (Bookworm or Trixie) as a full-screen service.
#
#   sudo deploy/install-pi.sh [--board NAME] [--dry-run] [--force] [--keep-desktop] [--start]
#
# Safe to run again: every step checks what is already there. --dry-run prints the plan and
# changes nothing (no root needed). See docs/raspberry-pi.md for the whole walk-through.
set -euo pipefail

PREFIX=/opt/device-app
APP_USER=device-app
STATE_DIR=/var/lib/device-app
CONF_DIR=/etc/device-app
DEFAULTS=/etc/default/device-app
UNIT=/etc/systemd/system/device-app.service
BOARD=pi-hdmi-1080p
DRY_RUN=0
FORCE=0
KEEP_DESKTOP=0
START=0
CEC=0
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Overridable so the test-suite can pretend to be a Pi; normal runs never set these.
MODEL_FILE="${DEVICE_APP_MODEL_FILE:-/proc/device-tree/model}"
OS_RELEASE="${DEVICE_APP_OS_RELEASE:-/etc/os-release}"

# Debian packages:
# - python3-venv, python3-dev, gcc, linux-libc-dev: the venv, and building python-evdev
#   (its PyPI release is source-only, TV_UX.md section 4);
# - libegl1, libgles2, libgbm1, libdrm2, libgl1-mesa-dri: what the pygame-ce wheel's SDL loads
#   for kmsdrm (EGL/GLES on GBM, plus Mesa's vc4/v3d drivers);
# - v4l-utils (cec-ctl) and ir-keytable: HDMI-CEC and IR remotes as input devices;
# - fonts-dejavu-core: a fallback font for the console.
PACKAGES=(python3 python3-venv python3-dev gcc linux-libc-dev
          libegl1 libgles2 libgbm1 libdrm2 libgl1-mesa-dri
          v4l-utils ir-keytable fonts-dejavu-core)

usage() {
    cat <<'USAGE'
Usage: install-pi.sh [options]
  --board NAME     board configuration to run (default: pi-hdmi-1080p; see "device-app boards")
  --dry-run        print what would be done, change nothing
  --force          install even when this does not look like a Raspberry Pi
  --keep-desktop   do not switch the boot target to the console (multi-user.target)
  --start          start the service at the end (otherwise it starts at the next boot)
  --cec            also register the Pi as an HDMI-CEC playback device at boot (TV remote)
  -h, --help       this text
USAGE
}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }

# run CMD...: execute, or in a dry run print it. Commands are shown quoted so they can be
# copied into a shell.
run() {
    if [[ $DRY_RUN == 1 ]]; then
        printf 'would run:'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

# write_file PATH MODE CONTENT: create PATH only when it does not exist (keeps local edits).
write_file() {
    local path=$1 mode=$2 content=$3
    if [[ -e $path ]]; then
        say "keeping existing $path"
        return
    fi
    if [[ $DRY_RUN == 1 ]]; then
        printf 'would write %s (mode %s):\n' "$path" "$mode"
        printf '%s\n' "$content" | sed 's/^/    | /'
        return
    fi
    install -m "$mode" /dev/null "$path"
    printf '%s\n' "$content" > "$path"
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --board) [[ $# -ge 2 ]] || die "--board needs a name" 2; BOARD=$2; shift 2 ;;
            --board=*) BOARD=${1#--board=}; shift ;;
            --dry-run) DRY_RUN=1; shift ;;
            --force) FORCE=1; shift ;;
            --keep-desktop) KEEP_DESKTOP=1; shift ;;
            --start) START=1; shift ;;
            --cec) CEC=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $1" 2 ;;
        esac
    done
    [[ $BOARD =~ ^[A-Za-z0-9._-]+$ ]] || die "--board: '$BOARD' is not a board name" 2
    [[ -f $SRC/board_configs/$BOARD.toml ]] \
        || die "--board: no board_configs/$BOARD.toml in $SRC (try: device-app boards)" 2
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
    if [[ $DRY_RUN == 0 && $EUID -ne 0 ]]; then
        die "run as root (sudo $0 ...), or try --dry-run first" 4
    fi
}

install_packages() {
    say "installing Debian packages"
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

create_user() {
    if id -u "$APP_USER" >/dev/null 2>&1; then
        say "user $APP_USER exists"
    else
        say "creating system user $APP_USER"
        run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
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

install_app() {
    say "copying the app to $PREFIX/app and building the venv"
    run install -d -m 0755 "$PREFIX" "$PREFIX/app"
    # Copy the source tree (board_configs and ui_assets live next to the package).
    if [[ $DRY_RUN == 1 ]]; then
        printf 'would copy %s to %s/app (without .git, .venv, caches)\n' "$SRC" "$PREFIX"
    else
        tar -C "$SRC" --exclude=.git --exclude=.venv --exclude=__pycache__ \
            --exclude='*.egg-info' --exclude=.pytest_cache --exclude=.mypy_cache \
            --exclude=.ruff_cache -cf - . | tar -C "$PREFIX/app" -xf -
    fi
    if [[ -x $PREFIX/venv/bin/python ]]; then
        say "venv $PREFIX/venv exists"
    else
        run python3 -m venv "$PREFIX/venv"
    fi
    run "$PREFIX/venv/bin/pip" install --upgrade pip
    # pygame-ce, not pygame: only pygame-ce's aarch64 wheel has an SDL with kmsdrm
    # (TV_UX.md section 3.3); the two packages must not be installed side by side.
    run "$PREFIX/venv/bin/pip" uninstall -y pygame
    run "$PREFIX/venv/bin/pip" install -e "$PREFIX/app[pi]"
    run "$PREFIX/venv/bin/device-app" check-board "$BOARD"
}

configure() {
    say "configuration"
    run install -d -m 0755 "$CONF_DIR"
    write_file "$DEFAULTS" 0644 "# device-app service settings (read by $UNIT).
# The command line the service runs; see: $PREFIX/venv/bin/device-app --help
DEVICE_APP_ARGS=\"run --board $BOARD --provider $CONF_DIR/provider.toml --token-store $STATE_DIR\"
# A confidential client's secret, if your provider needs one (it never goes in a file in git):
# DEVICE_APP_CLIENT_SECRET="
    write_file "$CONF_DIR/provider.toml" 0644 "# Your authorization server. See docs/ in $PREFIX/app for each provider.
# provider = \"keycloak\"
# issuer = \"https://sso.example.com/realms/home\"
# client_id = \"living-room-tv\""
    run install -m 0644 "$SRC/deploy/device-app.service" "$UNIT"
    if [[ $CEC == 1 ]]; then
        run install -m 0644 "$SRC/deploy/device-app-cec.service" /etc/systemd/system/device-app-cec.service
    fi
    run systemctl daemon-reload
    run systemctl enable device-app.service
    if [[ $CEC == 1 ]]; then
        run systemctl enable device-app-cec.service
    fi
    if [[ $KEEP_DESKTOP == 0 ]]; then
        # A desktop session would hold DRM master on the screen the app wants.
        run systemctl set-default multi-user.target
    fi
    if [[ $START == 1 ]]; then
        run systemctl restart device-app.service
    fi
}

notes() {
    cat <<NOTES

Done$( [[ $DRY_RUN == 1 ]] && printf ' (dry run: nothing was changed)' ).
Next steps:
  1. Edit $CONF_DIR/provider.toml (issuer, client_id) and, if needed, $DEFAULTS.
  2. Keep the console from blanking: add  consoleblank=0  to the single line in
     /boot/firmware/cmdline.txt (the TV's own power saving still applies).
  3. Optional, for power-cut safety: raspi-config > Performance Options > Overlay File System,
     with $STATE_DIR on a small separate writable partition so tokens survive reboots.
  4. Reboot, or: sudo systemctl start device-app; logs: journalctl -u device-app -f
NOTES
}

main() {
    parse_args "$@"
    check_platform
    install_packages
    create_user
    install_app
    configure
    notes
}

main "$@"
