#!/usr/bin/env bash
# Fetch glewlwyd from Debian's own packages and unpack it, without installing it: no
# post-install steps, no service, nothing written outside the cache folder. The tests run
# the unpacked binary with LD_LIBRARY_PATH pointing at the unpacked libraries.
#
# Usage: bash tests/glewlwyd/fetch.sh [CACHE_DIR]    (default: .cache/glewlwyd in the repo)
# Prints the unpacked tree's path on success. Exit 3 (reason on stderr) when glewlwyd
# cannot be had on this machine: no apt-get, no package lists and not root, not in the
# archive, or a library the binary needs is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${1:-$here/../../.cache/glewlwyd}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
root="$cache/root"
stamp="$cache/ready"

cannot() {
    echo "glewlwyd cannot be fetched here: $*" >&2
    exit 3
}

if [ -f "$stamp" ] && [ -x "$root/usr/bin/glewlwyd" ]; then
    echo "$root"
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || cannot "no apt-get (a Debian or Ubuntu machine is needed)"
command -v dpkg-deb >/dev/null 2>&1 || cannot "no dpkg-deb"

# One fetch at a time per cache folder (two test runs may start together).
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
if [ -f "$stamp" ] && [ -x "$root/usr/bin/glewlwyd" ]; then
    echo "$root"
    exit 0
fi

candidate() { apt-cache policy glewlwyd 2>/dev/null | awk '/Candidate:/ {print $2}'; }
version="$(candidate)"
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >&2 || cannot "apt-get update failed"
        version="$(candidate)"
    else
        cannot "apt knows no glewlwyd package and only root may run apt-get update"
    fi
fi
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    cannot "the package archive has no glewlwyd (Debian 12 ships 2.7.5)"
fi

# glewlwyd, its web assets, and the libraries it needs that this machine does not have,
# following the Depends of those libraries in turn (on a stock Debian 12 image: libulfius,
# libhoel, liborcania, libyder, libconfig, libiddawc, librhonabwy, liboath, libcbor,
# libmicrohttpd, libmariadb3). Only shared-library packages (lib*) are followed: the
# package's other Depends (debconf, dbconfig, sqlite3, adduser) serve its post-install steps.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
library_depends() {
    apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "$1" 2>/dev/null |
        awk '$1 ~ /^[|]?(Pre)?Depends:$/ && $2 ~ /^lib/ && $2 !~ /</ {print $2}'
}
packages=(glewlwyd glewlwyd-common)
queue=(glewlwyd)
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
    current="${queue[0]}"
    queue=("${queue[@]:1}")
    for lib in $(library_depends "$current"); do
        [ -n "${seen[$lib]:-}" ] && continue
        seen[$lib]=1
        if ! installed "$lib"; then
            packages+=("$lib")
            queue+=("$lib")
        fi
    done
done

work="$(mktemp -d "$cache/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/root"
# apt-get download runs as the _apt user where it can; a folder it may not write to only
# brings a warning, so the download goes to a private folder either way.
if ! (cd "$work/debs" && apt-get download -q "${packages[@]}" >"$work/download.log" 2>&1); then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >&2 || cannot "apt-get update failed"
        (cd "$work/debs" && apt-get download -q "${packages[@]}" >"$work/download.log" 2>&1) ||
            cannot "apt-get download failed: $(tail -n 3 "$work/download.log")"
    else
        cannot "apt-get download failed: $(tail -n 3 "$work/download.log")"
    fi
fi
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done

libs="$work/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
missing="$(LD_LIBRARY_PATH="$libs" ldd "$work/root/usr/bin/glewlwyd" \
    "$work"/root/usr/lib/glewlwyd/*/*.so 2>/dev/null | grep 'not found' | sort -u || true)"
if [ -n "$missing" ]; then
    cannot "libraries not found: $(echo "$missing" | awk '{print $1}' | tr '\n' ' ')"
fi

rm -rf "$root"
mv "$work/root" "$root"
printf '%s\n' "$version" >"$stamp"
echo "$root"
