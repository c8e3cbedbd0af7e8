"""What the first screen does not need is not imported before it (structural, no timings).

Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYGAME_HIDE_SUPPORT_PROMPT": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(out.stdout.split())


@pytest.mark.parametrize("board", ["pi-hdmi-1080p", "tv-4k", "desktop"])
def test_loading_a_board_with_evdev_keys_does_not_import_evdev_or_asyncio(board: str) -> None:
    loaded = modules_after(
        "from device_app.hardware.boards import load_board\n"
        "b = load_board(%r)\n"
        "from device_app.tv.inputs import hub_for\n"
        "hub_for(b, print)" % board
    )
    assert "evdev" not in loaded and "asyncio" not in loaded


def test_the_command_line_does_not_import_a_web_browser_launcher() -> None:
    assert "webbrowser" not in modules_after("import device_app.cli.commands")


def test_the_qr_code_is_made_without_pillow_and_qrcode_stays_whole_afterwards() -> None:
    loaded = modules_after(
        "from device_app.ui import qr\n"
        "assert len(qr.matrix('https://example.com/activate?user_code=BCDFGHJKL')) == 41\n"
        "import sys\n"
        "assert 'PIL' not in sys.modules, 'Pillow imported for the QR'\n"
        "import qrcode\n"
        "from qrcode.image.styles.moduledrawers import RoundedModuleDrawer\n"
        "from qrcode.image.styledpil import StyledPilImage\n"
        "q = qrcode.QRCode()\n"
        "q.add_data('x')\n"
        "img = q.make_image(image_factory=StyledPilImage, module_drawer=RoundedModuleDrawer())\n"
        "assert type(img).__name__ == 'StyledPilImage'\n"
        "assert type(qrcode.make('x')).__name__ == 'PilImage'"
    )
    assert "PIL" in loaded  # imported by qrcode's own Pillow images, when asked for


def test_the_session_is_wired_without_the_http_stack_until_its_first_request() -> None:
    # The TV draws its first frame before the worker thread sends the first request: the
    # transport module is imported there, not before. It is built on the standard library:
    # requests and its dependencies (80 ms and 7 MiB on this machine) are never imported.
    wire = (
        "import argparse\n"
        "from device_app.engine import wiring\n"
        "from device_app.engine.flags import add_provider_arguments\n"
        "p = argparse.ArgumentParser()\n"
        "add_provider_arguments(p)\n"
        "a = p.parse_args(['--issuer', 'http://127.0.0.1:9', '--client-id', 'tv',\n"
        "    '--allow-insecure-host', '127.0.0.1', '--token-store', '/nonexistent/s'])\n"
        "t = wiring.make_household(a).session().transport\n"
    )
    heavy = {"requests", "urllib3", "charset_normalizer", "idna"}
    before = modules_after(wire)
    assert not heavy & before
    assert "device_app.engine.transport" not in before
    after = modules_after(wire + "t.made()\n")
    assert "device_app.engine.transport" in after
    assert not heavy & after


def test_the_qr_code_is_made_while_another_thread_imports() -> None:
    # The TV draws the first QR while the flow's worker imports the HTTP stack: the import of
    # qrcode must not trip over sys.modules changing under it ("dictionary changed size during
    # iteration" ended the app on the virtual TV when a resumed code was drawn at once).
    churn = (
        "import sys, threading, types\n"
        "sys.setswitchinterval(1e-6)\n"
        "stop = threading.Event()\n"
        "def churn():\n"
        "    i = 0\n"
        "    while not stop.is_set():\n"
        "        name = 'churn_%d' % (i % 50)\n"
        "        sys.modules[name] = types.ModuleType(name)\n"
        "        sys.modules.pop('churn_%d' % ((i + 25) % 50), None)\n"
        "        i += 1\n"
        "t = threading.Thread(target=churn); t.start()\n"
        "try:\n"
        "    for _ in range(40):\n"
        "        for n in [n for n in list(sys.modules) if n.startswith('qrcode')]:\n"
        "            sys.modules.pop(n, None)\n"
        "        from device_app.ui import qr\n"
        "        qr._qrcode()\n"
        "finally:\n"
        "    stop.set(); t.join()\n"
    )
    loaded = modules_after(churn)
    assert "qrcode.main" in loaded and "PIL" not in loaded


def test_no_dataclasses_on_the_way_to_the_first_screen() -> None:
    # Records are NamedTuples: a dataclass costs about 0.5 ms to create at import, and the
    # dataclasses module brings inspect, ast, dis and tokenize (docs/ARCHITECTURE.md, Records).
    # pygame-ce 2.5 imports dataclasses itself (pygame.system's PowerState), so after the
    # command line is checked, pygame comes first and then both names are barred: any import
    # of either from our modules raises instead of hiding behind pygame's.
    loaded = modules_after(
        "import sys\n"
        "import device_app.cli.commands, device_app.engine.wiring\n"
        "early = {'dataclasses', 'inspect'} & set(sys.modules)\n"
        "assert not early, 'imported by the command line: %s' % sorted(early)\n"
        "import pygame\n"
        "sys.modules['dataclasses'] = None\n"
        "sys.modules['inspect'] = None\n"
        "import device_app.tv.app, device_app.ui.component\n"
        "from device_app.hardware.boards import load_board\n"
        "from device_app.tv.inputs import hub_for\n"
        "from device_app.tv.screenshot import render_sample\n"
        "b = load_board('pi-hdmi-1080p')\n"
        "hub_for(b, print)\n"
        "pygame.font.init()\n"
        "r = render_sample(pygame.Surface(b.size), b, 'activation', 'en')\n"
        "assert r.layout is not None and r.layout.qr is not None\n"
    )
    assert {"device_app.tv.app", "device_app.ui.render", "device_app.ui.layout"} <= loaded


def test_a_signed_in_start_does_not_load_the_qr_encoder() -> None:
    # The QR encoder is loaded while the first code is being asked for; a TV that starts
    # signed in asks for none, and shows no QR.
    loaded = modules_after(
        "import os\n"
        "os.environ['SDL_VIDEODRIVER'] = 'dummy'\n"
        "from device_app.hardware.boards import load_board\n"
        "from device_app.tv.app import App\n"
        "class Session:\n"
        "    device_name = ''\n"
        "    def signed_in(self): return True\n"
        "    def login(self, on_event, cancel): raise AssertionError('no login')\n"
        "    def userinfo(self): return {'name': 'Alice'}\n"
        "    def logout(self): return True\n"
        "app = App(load_board('desktop'), Session(), offscreen=True)\n"
        "app.run(max_seconds=0.5)\n"
        "assert app.controller.screen in ('signed_in', 'home'), app.controller.screen\n"
    )
    assert "qrcode" not in loaded


def test_the_tv_parts_leave_hashing_ctypes_subprocess_and_scripts_until_needed() -> None:
    # issue 14, start-up: each is imported where it is used (a record hashed, DPoP, the
    # kmsdrm renderer's name, speech, a scripted board), never on the way to the first frame.
    loaded = modules_after(
        "from device_app.engine import discovery, private_files, session, token_store\n"
        "from device_app.hardware.boards import load_board\n"
        "from device_app.hardware.display import sdl_window\n"
        "from device_app.tv import speech\n"
        "from device_app.tv.input_hub import InputHub\n"
        "InputHub(load_board('pi-hdmi-1080p'), print)\n"
    )
    later = {"hashlib", "hmac", "secrets", "ctypes", "subprocess"}
    later |= {"device_app.engine.dpop", "device_app.hardware.display.sdl_renderer"}
    later |= {"device_app.hardware.input.scripted"}
    assert not later & loaded


def test_named_tuples_are_made_from_annotations_that_are_not_strings() -> None:
    # typing.NamedTuple compiles each string annotation (``from __future__ import
    # annotations``) when its class is made: ~14 us a field, ~2.5 ms over the TV's start.
    import ast
    from pathlib import Path

    import device_app

    offenders = []
    for path in sorted(Path(device_app.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        future = any(
            isinstance(n, ast.ImportFrom)
            and n.module == "__future__"
            and any(a.name == "annotations" for a in n.names)
            for n in tree.body
        )
        named = any(
            isinstance(n, ast.ClassDef)
            and any(getattr(b, "id", "") == "NamedTuple" for b in n.bases)
            for n in tree.body
        )
        if future and named:
            offenders.append(str(path.relative_to(Path(device_app.__file__).parent)))
    assert offenders == []
