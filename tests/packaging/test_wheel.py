"""The wheel as a user gets it: built from the checkout, installed in a fresh venv outside it,
run from another folder. Also: what the wheel holds, and the sdist rebuilds the same wheel.

Slow by nature (a build, a venv, an install: about a minute), so one module-scoped install.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image

from device_app.ui import catalog
from tests.ctrl_c import reaching_children

from .conftest import ROOT, Dist, build, clean_env, make_venv, run, sdist_members

pytestmark = pytest.mark.timeout(900)

BOARDS = sorted(p.stem for p in (ROOT / "board_configs").glob("*.toml"))
EXTRA_SENTENCE = "pip install 'device-app[simulator]'"
BOARD_HEAD = 'name = "test"\ndescription = "a test board"\nwidth = 640\nheight = 480\n'


@dataclass(frozen=True)
class Installed:
    """The wheel installed in a fresh venv; commands run from ``cwd``, a folder of their own."""

    bin: Path
    cwd: Path
    env: dict[str, str]

    def app(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "device-app"), *argv],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("user")
    bin_dir = make_venv(base / "venv")
    cwd = base / "elsewhere"
    cwd.mkdir()
    env = clean_env(base / "home")
    pip = [bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-index"]
    run([*pip, "--find-links", dist.wheels, dist.wheel], cwd=cwd, env=env)
    return Installed(bin_dir, cwd, env)


def test_the_wheel_holds_our_names_only_and_every_asset(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as whl:
        names = set(whl.namelist())
        top_level = whl.read(next(n for n in names if n.endswith("/top_level.txt"))).decode()
        metadata = whl.read(next(n for n in names if n.endswith("/METADATA"))).decode()
    assert sorted(top_level.split()) == ["device_app", "device_app_simulator"]
    assert {n.split("/")[0] for n in names} == {
        "device_app",
        "device_app_simulator",
        dist.wheel.name.split("-py3")[0] + ".dist-info",
    }
    shipped = {
        "device_app/py.typed",
        "device_app/hardware/input/default_keymap.toml",
        *(str(p.relative_to(ROOT)) for p in (ROOT / "device_app").rglob("*.pyi")),
        *(f"device_app/board_configs/{b}.toml" for b in BOARDS),
        *(
            "device_app/ui_assets/" + str(p.relative_to(ROOT / "ui_assets"))
            for p in (ROOT / "ui_assets").rglob("*")
            if p.suffix in (".ttf", ".otf", ".toml", ".mo", ".svg")
        ),
    }
    assert shipped <= names
    assert "License-Expression: Apache-2.0" in metadata
    license_file = next(n for n in names if n.endswith("/licenses/LICENSE"))
    with zipfile.ZipFile(dist.wheel) as whl:
        assert whl.read(license_file) == (ROOT / "LICENSE").read_bytes()
        # The compiled catalogues are the ones the .po sources compile to.
        for po in catalog.po_files():
            lang = po.parent.parent.name
            mo = whl.read(f"device_app/ui_assets/locale/{lang}/LC_MESSAGES/device_app.mo")
            assert mo == catalog.build_mo(catalog.parse_po(po.read_text("utf-8")))


def test_the_license_file_is_the_apache_2_0_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "Apache-2.0"
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) == 202


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "device_app").rglob("__init__.py")
    }
    assert found <= listed


def test_the_sdist_rebuilds_the_same_wheel(dist: Dist, tmp_path: Path) -> None:
    members = sdist_members(dist.sdist)
    for needed in ("pyproject.toml", "LICENSE", "README.md", "MANIFEST.in", "deploy/install-pi.sh"):
        assert needed in members
    assert any(m.endswith(".po") for m in members)
    subprocess.run(["tar", "-xzf", str(dist.sdist), "-C", str(tmp_path)], check=True)
    (unpacked,) = tmp_path.glob("device_app-*")
    build(unpacked, tmp_path / "out", "--wheel")
    (rebuilt,) = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(dist.wheel) as a, zipfile.ZipFile(rebuilt) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if not name.endswith("/RECORD"):
                assert a.read(name) == b.read(name), name


def test_boards_lists_every_shipped_board(installed: Installed) -> None:
    r = installed.app("boards")
    assert r.returncode == 0, r.stderr
    assert [ln.split()[0] for ln in r.stdout.splitlines()] == BOARDS


@pytest.mark.parametrize("board", BOARDS)
def test_check_board_accepts_every_shipped_board(installed: Installed, board: str) -> None:
    r = installed.app("check-board", board)
    assert (r.returncode, r.stdout) == (0, f"OK: {board}\n"), r.stderr


def test_check_board_refuses_an_unknown_theme(installed: Installed) -> None:
    bad = installed.cwd / "bad.toml"
    bad.write_text(BOARD_HEAD + 'theme = "darkk"\n')
    r = installed.app("check-board", str(bad))
    assert r.returncode == 3 and "darkk" in r.stderr and "high-contrast" in r.stderr


@pytest.mark.parametrize("board", BOARDS)
def test_screenshot_of_every_board_has_a_qr_code_that_decodes(
    installed: Installed, board: str
) -> None:
    out = installed.cwd / f"{board}.png"
    r = installed.app("screenshot", "--board", board, "--screen", "activation", "--out", str(out))
    assert r.returncode == 0, r.stderr
    codes = zxingcpp.read_barcodes(Image.open(out))
    assert [c.format for c in codes] == [zxingcpp.BarcodeFormat.QRCode]
    assert codes[0].text.startswith("https://")


def test_the_app_installs_without_pillow(installed: Installed) -> None:
    # The QR comes from qrcode's module matrix and pygame writes the PNGs: Pillow is for
    # the tests only (a smaller install on a Pi); the screenshots above ran without it.
    python = str(installed.bin / "python")
    probe = "import importlib.util; print(importlib.util.find_spec('PIL') is None)"
    r = subprocess.run(
        [python, "-c", probe], cwd=installed.cwd, env=installed.env, capture_output=True, text=True
    )
    assert r.stdout == "True\n", r.stderr


def test_screenshot_in_italian_uses_the_shipped_catalogue(installed: Installed) -> None:
    out = installed.cwd / "it.png"
    r = installed.app("screenshot", "--screen", "activation", "--locale", "it", "--out", str(out))
    assert r.returncode == 0, r.stderr


def test_the_simulator_needs_its_extra_and_then_serves_discovery(
    installed: Installed, dist: Dist
) -> None:
    python = str(installed.bin / "python")
    argv = [python, "-m", "device_app_simulator", "serve", "--port", "0", "--db", "sim.db"]
    r = subprocess.run(
        argv, cwd=installed.cwd, env=installed.env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 1 and r.stdout == "" and "Traceback" not in r.stderr
    assert EXTRA_SENTENCE in r.stderr and r.stderr.count("\n") == 1, r.stderr

    pip = [python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", dist.wheels]
    run([*pip, f"{dist.wheel}[simulator]"], cwd=installed.cwd, env=installed.env)
    with reaching_children():
        proc = subprocess.Popen(
            argv, cwd=installed.cwd, env=installed.env, stdout=subprocess.PIPE, text=True
        )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(2)]
        issuer = re.search(r"issuer\s+(http://127\.0\.0\.1:\d+\S*)", banner[1])
        assert issuer, banner
        doc = requests.get(issuer[1] + "/.well-known/openid-configuration", timeout=10).json()
        assert doc["issuer"] == issuer[1]
        _run_briefly_against(installed, issuer[1])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def _run_briefly_against(installed: Installed, issuer: str) -> None:
    """``device-app run`` off-screen for 2 s: the real loop shows the simulator's code."""
    board = installed.cwd / "offscreen.toml"
    board.write_text(BOARD_HEAD + 'display = "offscreen"\n')
    events = installed.cwd / "events.jsonl"
    r = installed.app(
        "run",
        "--board",
        str(board),
        "--events",
        str(events),
        "--exit-after",
        "2",
        "--issuer",
        issuer,
        "--client-id",
        "tv-demo",
        "--allow-insecure-host",
        "127.0.0.1",
        "--token-store",
        str(installed.cwd / "store"),
    )
    assert r.returncode == 0, r.stderr
    log = [json.loads(x) for x in events.read_text().splitlines()]
    assert "code" in [x["event"] for x in log]
    assert [x["screen"] for x in log if x["event"] == "screen"][:2] == ["starting", "activation"]


def test_nothing_was_imported_from_the_checkout(installed: Installed) -> None:
    r = subprocess.run(
        [
            str(installed.bin / "python"),
            "-c",
            "import device_app, device_app.assets as a; print(device_app.__file__, a.BOARD_DIR)",
        ],
        cwd=installed.cwd,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(ROOT) not in r.stdout and "site-packages" in r.stdout
    assert sys.prefix not in r.stdout
