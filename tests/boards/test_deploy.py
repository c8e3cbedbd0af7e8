"""deploy/: the systemd unit's contents and the Pi installer's dry run (run with real bash)."""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "install-pi.sh"
UNIT = ROOT / "deploy" / "device-app.service"


def unit_settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    section = ""
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.setdefault(f"{section}.{key}", []).append(value)
    return out


def test_unit_has_what_a_console_kiosk_needs() -> None:
    u = unit_settings()
    expect = {
        "Service.Type": "notify",
        "Service.NotifyAccess": "main",
        "Service.WatchdogSec": "30",
        "Service.PAMName": "login",
        "Service.TTYPath": "/dev/tty1",
        "Service.StandardInput": "tty-force",
        "Service.StandardOutput": "journal",
        "Service.StandardError": "journal",
        "Service.Restart": "always",
        "Service.StateDirectory": "device-app",
        "Service.StateDirectoryMode": "0700",
        "Unit.Conflicts": "getty@tty1.service",
        "Unit.StartLimitBurst": "10",
        "Install.WantedBy": "multi-user.target",
        "Service.User": "device-app",
    }
    for key, value in expect.items():
        assert u.get(key) == [value], key
    assert "/var/lib/device-app" in u["Service.ReadWritePaths"][0]
    assert "video render input" in u["Service.SupplementaryGroups"][0]
    env = " ".join(u["Service.Environment"])
    assert "SDL_VIDEODRIVER=kmsdrm" in env and "SDL_AUDIODRIVER=dummy" in env
    assert "SDL_KMSDRM_DEVICE_INDEX" not in env  # chosen in-app from sysfs
    assert u["Service.ExecStart"][0].startswith("/opt/device-app/venv/bin/device-app ")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("name", ["device-app.service", "device-app-cec.service"])
def test_units_pass_systemd_analyze_verify(tmp_path: Path, name: str) -> None:
    unit = tmp_path / name
    shutil.copy(ROOT / "deploy" / name, unit)
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Only the program missing on this machine may be reported.
    complaints = [
        line
        for line in (r.stdout + r.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert complaints == []


def run_script(
    *args: str, model: str | None = None, codename: str = "trixie", tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    os_release = tmp_path / "os-release"
    os_release.write_text(f'PRETTY_NAME="Debian"\nVERSION_CODENAME={codename}\n')
    env["DEVICE_APP_OS_RELEASE"] = str(os_release)
    model_file = tmp_path / "model"
    if model is not None:
        model_file.write_bytes(model.encode() + b"\0")
    env["DEVICE_APP_MODEL_FILE"] = str(model_file)
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_refuses_off_a_pi_without_force(tmp_path: Path) -> None:
    # A real run refuses (it would stop at the root check first when not root: exit 4).
    r = run_script(tmp_path=tmp_path)
    assert r.returncode == 3 or (os.geteuid() != 0 and r.returncode == 4)
    if r.returncode == 3:
        assert "does not look like a Raspberry Pi" in r.stderr and "--force" in r.stderr
        assert "would run" not in r.stdout
    # A dry run prints the plan on any machine and says that a real run needs --force.
    r = run_script("--dry-run", tmp_path=tmp_path)
    assert r.returncode == 0
    assert "does not look like a Raspberry Pi" in r.stderr and "--force" in r.stderr
    assert "would run" in r.stdout


def test_dry_run_on_a_pi_prints_the_plan_and_changes_nothing(tmp_path: Path) -> None:
    watched = [
        Path(p)
        for p in (
            "/etc/default/device-app",
            "/opt/device-app",
            "/etc/systemd/system/device-app.service",
            "/etc/device-app",
        )
    ]
    before = [p.exists() for p in watched]
    r = run_script(
        "--dry-run",
        "--board",
        "pi-dsi-7in",
        model="Raspberry Pi 5 Model B Rev 1.0",
        tmp_path=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "hardware: Raspberry Pi 5 Model B Rev 1.0" in out
    assert "system: Debian/Raspberry Pi OS trixie" in out
    install = next(line for line in out.splitlines() if "apt-get install" in line)
    for pkg in ("python3-venv", "gcc", "libegl1", "libgles2", "libgbm1", "libdrm2"):
        assert f" {pkg}" in install
    for group in ("video", "render", "input"):
        try:
            grp.getgrnam(group)
        except KeyError:
            assert f"no '{group}' group" in r.stderr
        else:
            assert f"would run: usermod -aG {group} device-app" in out
    # A fresh venv per release; /opt/device-app/venv links to the current one.
    assert "would run: python3 -m venv /opt/device-app/releases/" in out
    assert "/opt/device-app/venv.new /opt/device-app/venv" in out
    assert "check-board pi-dsi-7in" in out
    assert 'DEVICE_APP_ARGS="run --board pi-dsi-7in' in out
    assert "would run: systemctl enable device-app.service" in out
    assert "would run: systemctl set-default multi-user.target" in out
    assert "consoleblank=0" in out and "Overlay File System" in out
    assert "dry run: nothing was changed" in out
    assert [p.exists() for p in watched] == before


def test_force_off_a_pi_and_options(tmp_path: Path) -> None:
    r = run_script(
        "--dry-run", "--force", "--keep-desktop", "--start", codename="bullseye", tmp_path=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert "device-app-cec" not in r.stdout
    cec = run_script("--dry-run", "--force", "--cec", tmp_path=tmp_path)
    assert "would run: systemctl enable device-app-cec.service" in cec.stdout
    assert "going on (--force)" in r.stderr and "this is 'bullseye'" in r.stderr
    assert "set-default" not in r.stdout
    assert "would run: systemctl restart device-app.service" in r.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--board", "toaster"), "no board_configs/toaster.toml"),
        (("--wheels", "/nonexistent"), "--wheels: no folder /nonexistent"),
        (("--keep-tokens",), "--keep-tokens and --keep-config go with --uninstall"),
        (("--board", "../etc"), "is not a board name"),
        (("--board",), "--board needs a name"),
        (("--frobnicate",), "unknown option: --frobnicate"),
    ],
)
def test_bad_arguments(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    r = run_script("--dry-run", *args, model="Raspberry Pi 4 Model B", tmp_path=tmp_path)
    assert r.returncode == 2 and words in r.stderr


def test_help(tmp_path: Path) -> None:
    r = run_script("--help", tmp_path=tmp_path)
    assert r.returncode == 0 and "--dry-run" in r.stdout
    for option in ("--wheels DIR", "--root DIR", "--no-systemd", "--uninstall", "--keep-tokens"):
        assert option in r.stdout


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="apt install shellcheck")
def test_shellcheck_clean() -> None:
    r = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout
