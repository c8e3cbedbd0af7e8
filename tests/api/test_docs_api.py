"""docs/api.md's examples run as written, against the simulator on loopback.

Each example runs as its own process, as a developer would run it, with a real simulator
(in this process, on 127.0.0.1) and the simulated phone (simulator/phone.py) filling in the
real verification pages. The pygame example runs with SDL's dummy video driver.
"""

from __future__ import annotations

import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from device_app_simulator.phone import approve
from device_app_simulator.server import SimulatorConfig, SimulatorServer, start_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
TIMEOUT = 60.0  # s for an example's whole run on a busy shared machine


def examples() -> list[str]:
    """The ```python blocks of docs/api.md, in order."""
    return re.findall(r"^```python\n(.*?)^```$", DOC.read_text(), re.S | re.M)


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimulatorServer]:
    config = SimulatorConfig(port=0, interval=1, db_path=tmp_path / "sim.sqlite3")
    with start_server(config) as srv:
        yield srv


class Example:
    """One example running in its own Python process; its output lines arrive in a queue."""

    def __init__(self, code: str, tmp_path: Path, srv: SimulatorServer, **env: str) -> None:
        script = tmp_path / "example.py"
        script.write_text(code)
        environ = dict(os.environ)
        environ.update(
            DEVICE_APP_ISSUER=srv.issuer,
            DEVICE_APP_TOKENS=str(tmp_path / "tokens"),
            SDL_VIDEODRIVER="dummy",
            SDL_AUDIODRIVER="dummy",
            **env,
        )
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str) -> re.Match[str]:
        """Wait for an output line matching ``pattern``."""
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError("no line matching %r; output:\n%s" % (pattern, "\n".join(self.seen)))

    def finish(self) -> int:
        try:
            return self.proc.wait(TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def test_the_doc_has_the_three_examples() -> None:
    found = examples()
    assert len(found) == 3
    assert "session.call(" in found[0]
    assert "login_async" in found[1] and "access_token" in found[1]
    assert "ActivationScreen" in found[2]


def test_a_script_signs_in_and_calls_an_api(tmp_path: Path, simulator: SimulatorServer) -> None:
    run = Example(examples()[0], tmp_path, simulator)
    uri = run.expect(r"open (\S+)").group(1)
    code = run.expect(r"enter the code (\S+)").group(1)
    assert approve(uri, code).outcome == "approved"
    answer = run.expect(r"the API answered (\d+) (.*)")
    assert answer.group(1) == "200" and '"Alice Liddell"' in answer.group(2)
    assert run.finish() == 0


def issued_tokens(srv: SimulatorServer) -> int:
    with sqlite3.connect(srv.config.resolved_db_path()) as db:
        return int(db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0])


def test_an_asyncio_service_keeps_its_token_fresh(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    # FRESH_FOR beyond any lifetime: every round must refresh before it calls the API.
    run = Example(examples()[1], tmp_path, simulator, FRESH_FOR="1e9", PERIOD="0", ROUNDS="3")
    found = run.expect(r"Sign in at (\S+) with (\S+)")
    assert approve(found.group(1), found.group(2)).outcome == "approved"
    run.expect(r"sign-in: authorized")
    for _ in range(3):
        run.expect(r"API answered 200")
    assert run.finish() == 0
    assert issued_tokens(simulator) == 1 + 3  # the sign-in, then one refresh per round


def pending_user_code(srv: SimulatorServer) -> str | None:
    """The code on the game's screen, as the person in front of it reads it."""
    with sqlite3.connect(srv.config.resolved_db_path()) as db:
        row = db.execute(
            "SELECT user_code FROM device_codes WHERE status='pending' ORDER BY issued_at DESC"
        ).fetchone()
    return None if row is None else str(row[0])


def test_a_game_shows_the_activation_screen_and_carries_on(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    run = Example(examples()[2], tmp_path, simulator)
    end = time.monotonic() + TIMEOUT
    code = None
    while code is None and time.monotonic() < end and run.proc.poll() is None:
        code = pending_user_code(simulator)
        time.sleep(0.05)  # waiting for another process, not for the code under test
    assert code is not None, "the game never asked for a code"
    verification = simulator.endpoints["verification"]
    assert verification is not None
    assert approve(verification, code).outcome == "approved"
    run.expect(r"signed in: the game starts")
    assert run.finish() == 0


def test_the_examples_pass_mypy_strict(tmp_path: Path) -> None:
    """A program that uses only the public API type-checks under --strict."""
    files = []
    for i, code in enumerate(examples()):
        path = tmp_path / ("example_%d.py" % i)
        path.write_text(code)
        files.append(str(path))
    # device_app is installed in editable mode (an import hook mypy cannot follow), so it is
    # found through MYPYPATH; its own modules are silenced as an installed package's are.
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\n"
        "[mypy-device_app,device_app.*]\nignore_errors = True\n"
        "[mypy-qrcode.*]\nignore_missing_imports = True\n"
    )
    env = dict(os.environ, MYPYPATH=str(DOC.parents[1]))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental", *files],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
