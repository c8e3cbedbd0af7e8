"""deploy/install-pi.sh for real, as root, into a temporary root: install from a wheel folder,
upgrade to a newer wheel, uninstall with and without the tokens. Nothing outside the temporary
root is touched (--root implies no apt-get, no user, no systemctl)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import ROOT, Dist, build, copy_checkout

SCRIPT = ROOT / "deploy" / "install-pi.sh"

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(os.geteuid() != 0, reason="installs as root into a temporary root"),
]


def installer(*args: str, tmp: Path, arch: str = "arm64") -> subprocess.CompletedProcess[str]:
    model = tmp / "model"
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\0")
    os_release = tmp / "os-release"
    os_release.write_text("VERSION_CODENAME=bookworm\n")
    env = dict(
        os.environ,
        DEVICE_APP_MODEL_FILE=str(model),
        DEVICE_APP_OS_RELEASE=str(os_release),
        DEVICE_APP_ARCH=arch,
    )
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def installed_version(root: Path) -> str:
    python = root / "opt/device-app/venv/bin/python"
    code = "import importlib.metadata as m; print(m.version('device-app'))"
    # -I: not the checkout's device_app.egg-info from the working folder.
    return subprocess.run([python, "-I", "-c", code], capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def newer_wheels(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel folder plus device-app 99.0.0, built from a copy with the version bumped."""
    base = tmp_path_factory.mktemp("newer")
    source = copy_checkout(base / "src")
    init = source / "device_app" / "__init__.py"  # the one home of the version
    text = init.read_text()
    assert '\n__version__ = "' in text
    init.write_text(
        "\n".join(
            '__version__ = "99.0.0"' if ln.startswith("__version__ = ") else ln
            for ln in text.splitlines()
        )
        + "\n"
    )
    wheels = base / "wheels"
    shutil.copytree(dist.wheels, wheels)
    build(source, wheels, "--wheel")
    return wheels


def test_install_upgrade_uninstall(dist: Dist, newer_wheels: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    common = ("--root", str(root), "--board", "pi-dsi-7in")

    r = installer(*common, "--wheels", str(dist.wheels), tmp=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = root / "opt/device-app"
    venv = prefix / "venv"
    assert venv.is_symlink() and os.readlink(venv).startswith("releases/")
    first = venv.resolve()
    assert installed_version(root) == dist.wheel.name.split("-")[1]
    assert not (prefix / "app").exists()  # no checkout: the app lives in the venv only
    direct_url = list(
        first.glob("lib/python3*/site-packages/device_app-*.dist-info/direct_url.json")
    )
    assert direct_url == []  # installed from a wheel by name, not an editable or a path
    boards = subprocess.run([venv / "bin/device-app", "boards"], capture_output=True, text=True)
    assert boards.returncode == 0 and "pi-dsi-7in" in boards.stdout

    defaults = root / "etc/default/device-app"
    assert mode(defaults) == 0o600 and defaults.stat().st_uid == 0
    assert "--board pi-dsi-7in" in defaults.read_text()
    assert mode(root / "etc/device-app/provider.toml") == 0o644
    assert mode(root / "var/lib/device-app") == 0o700
    unit = root / "etc/systemd/system/device-app.service"
    assert unit.read_bytes() == (ROOT / "deploy/device-app.service").read_bytes()
    assert "skipping: systemctl try-restart device-app.service" in r.stdout
    # An image built with --root (or in a chroot) starts the app at its first boot.
    wants = root / "etc/systemd/system/multi-user.target.wants/device-app.service"
    if shutil.which("systemctl"):
        assert wants.is_symlink(), r.stdout + r.stderr

    # What the user made of it, which an upgrade must keep.
    token = root / "var/lib/device-app/tokens.json"
    token.write_text('{"refresh_token": "kept"}')
    provider = root / "etc/device-app/provider.toml"
    provider.write_text('provider = "keycloak"\n')
    defaults.write_text(defaults.read_text() + "DEVICE_APP_CLIENT_SECRET=s3cret\n")
    defaults.chmod(0o644)  # as an older installer left it

    r = installer(*common, "--wheels", str(newer_wheels), tmp=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed_version(root) == "99.0.0"
    assert venv.resolve() != first and not first.exists()
    assert [p.name for p in (prefix / "releases").iterdir()] == [venv.resolve().name]
    assert token.read_text() == '{"refresh_token": "kept"}'
    assert provider.read_text() == 'provider = "keycloak"\n'
    assert "s3cret" in defaults.read_text() and mode(defaults) == 0o600

    r = installer("--root", str(root), "--uninstall", "--keep-tokens", tmp=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not prefix.exists() and not unit.exists() and not defaults.exists()
    assert not os.path.lexists(wants)
    assert not (root / "etc/device-app").exists()
    assert token.read_text() == '{"refresh_token": "kept"}'

    r = installer("--root", str(root), "--uninstall", tmp=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (root / "var/lib/device-app").exists()


def test_wheels_need_no_compiler(dist: Dist, tmp_path: Path) -> None:
    # gcc and the headers only build python-evdev from source; a wheel folder brings it built.
    r = installer("--dry-run", "--wheels", str(dist.wheels), tmp=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(x for x in r.stdout.splitlines() if "apt-get install" in x)
    assert " libegl1" in line and " python3-venv" in line
    assert " gcc" not in line and " python3-dev" not in line


def test_dry_run_as_an_ordinary_user_on_any_machine(dist: Dist) -> None:
    # pytest's temporary folders are root's only (0700): this one is for "nobody" to read.
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)
        _dry_run_as_nobody(dist, Path(tmp))


def _dry_run_as_nobody(dist: Dist, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.write_bytes(b"")
    env = {
        "PATH": os.environ["PATH"],
        "DEVICE_APP_MODEL_FILE": str(model),
        "DEVICE_APP_ARCH": "x86_64",
    }
    wheels = tmp_path / "wheels"
    wheels.mkdir(mode=0o755)
    shutil.copy(dist.wheel, wheels)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    argv = [*nobody, "bash", str(SCRIPT), "--wheels", str(wheels)]
    r = subprocess.run([*argv, "--dry-run"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "a real run needs --force" in r.stderr
    assert "would run: systemctl try-restart device-app.service" in r.stdout
    assert "--no-index --find-links" in r.stdout and "dry run: nothing was changed" in r.stdout
    r = subprocess.run([*argv, "--force"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 4 and "run as root" in r.stderr


@pytest.mark.parametrize("arch", ["armhf", "armv7l", "armv6l"])
def test_32_bit_raspberry_pi_os_is_refused_in_one_sentence(tmp_path: Path, arch: str) -> None:
    r = installer("--dry-run", tmp=tmp_path, arch=arch)
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert "32-bit Raspberry Pi OS" in r.stderr and "no 32-bit ARM wheels" in r.stderr


def test_another_architecture_is_refused(tmp_path: Path) -> None:
    r = installer("--dry-run", tmp=tmp_path, arch="i386")
    assert r.returncode == 3 and "unsupported architecture i386" in r.stderr
