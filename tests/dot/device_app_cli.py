"""Drive the real ``device-app`` command line as a subprocess, as a user's shell would.

``LoginRun`` reads ``device-app login --json`` one JSON event per line while it runs
(the test needs the code event before the user can act); ``run_command`` runs the
short-lived commands (``status``, ``token``, ``call``, ``logout``).
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from .idp_process import DotServer

PROVIDER = "django-oauth-toolkit"
SCOPE = "openid read"
TERMINAL_EVENTS = ("authorized", "denied", "expired", "error")
COMMAND_TIMEOUT = 30.0  # seconds; a command against loopback takes well under 2 s

# Exit codes of the device-app contract.
EXIT_AUTHORIZED = 0
EXIT_CONFIGURATION = 3
EXIT_DENIED = 4
EXIT_EXPIRED = 5
EXIT_PROTOCOL = 6
EXIT_NETWORK = 7
EXIT_REAUTHORIZE = 8


def device_app_command() -> list[str]:
    """The installed console script next to this interpreter, else ``-m device_app``."""
    script = Path(sys.executable).parent / "device-app"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "device_app"]


def provider_flags(
    idp: DotServer, store: Path, client_id: str | None = None, issuer: str | None = None
) -> list[str]:
    """``issuer`` defaults to the one DOT's OIDC metadata names (origin + mount prefix)."""
    return [
        "--provider",
        PROVIDER,
        "--issuer",
        issuer or idp.issuer,
        "--client-id",
        client_id or idp.client_id,
        "--token-store",
        str(store),
    ]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    # Loopback must never go through a proxy from the environment.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env.setdefault("SDL_VIDEODRIVER", "dummy")
    env.setdefault("SDL_AUDIODRIVER", "dummy")
    return env


@dataclass
class Finished:
    """A finished device-app process."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"device-app {' '.join(self.argv)} -> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_command(args: list[str], timeout: float = COMMAND_TIMEOUT) -> Finished:
    """Run one short device-app command to completion."""
    done = subprocess.run(
        [*device_app_command(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
    )
    return Finished(args, done.returncode, done.stdout, done.stderr)


@dataclass
class LoginRun:
    """A running ``device-app login --json``; events are read as they are printed."""

    argv: list[str]
    proc: subprocess.Popen[str]
    stderr_file: IO[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    # Test-side monotonic time at which each event line was read.
    seen_at: list[float] = field(default_factory=list)
    raw_stdout: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        idp: DotServer,
        store: Path,
        client_id: str | None = None,
        scope: str = SCOPE,
        issuer: str | None = None,
    ) -> "LoginRun":
        flags = provider_flags(idp, store, client_id, issuer)
        return cls.launch(["login", "--json", *flags, "--scope", scope])

    @classmethod
    def launch(cls, argv: list[str]) -> "LoginRun":
        """``device-app ARGV`` (a ``login --json``) in the background, as a user's shell runs it."""
        stderr_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        proc = subprocess.Popen(
            [*device_app_command(), *argv],
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            stdin=subprocess.DEVNULL,
            text=True,
            env=cli_env(),
        )
        return cls(argv, proc, stderr_file)

    def stderr(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def describe(self) -> str:
        return (
            f"device-app {' '.join(self.argv)} -> exit {self.proc.poll()}\n"
            f"--- stdout ---\n{''.join(self.raw_stdout)}\n--- stderr ---\n{self.stderr()}"
        )

    def _read_event(self, deadline: float) -> dict[str, Any] | None:
        """The next event, or None at end of output; fails on a non-JSON line."""
        assert self.proc.stdout is not None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no event from device-app in time\n{self.describe()}")
            readable, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if not readable:
                continue
            line = self.proc.stdout.readline()
            if not line:
                # End of output: give the process a moment to exit, so reports show its code.
                try:
                    self.proc.wait(timeout=min(5.0, max(0.1, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    pass
                return None
            self.raw_stdout.append(line)
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise AssertionError(
                    f"device-app --json printed a non-JSON line: {line!r}\n{self.describe()}"
                ) from None
            if not isinstance(event, dict) or "event" not in event:
                raise AssertionError(f"event without an 'event' field: {line!r}")
            self.events.append(event)
            self.seen_at.append(time.monotonic())
            return event

    def wait_for(self, kind: str, timeout: float = 20.0) -> dict[str, Any]:
        """Read events until one of ``kind``; fails on a terminal event of another kind."""
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_event(deadline)
            if event is None:
                raise AssertionError(f"device-app ended before a {kind!r} event\n{self.describe()}")
            if event["event"] == kind:
                return event
            if event["event"] in TERMINAL_EVENTS:
                raise AssertionError(
                    f"expected {kind!r}, got terminal {event['event']!r}\n{self.describe()}"
                )

    def finish(self, timeout: float = 20.0) -> int:
        """Read the remaining events and wait for the exit code."""
        deadline = time.monotonic() + timeout
        while self._read_event(deadline) is not None:
            pass
        try:
            return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError(f"device-app did not exit in time\n{self.describe()}") from None

    def kinds(self) -> list[str]:
        return [str(e["event"]) for e in self.events]

    def close(self) -> None:
        """Stop the process if still running (test failure path) and free its pipes."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr_file.close()


@pytest.fixture
def logins() -> Iterator[list[LoginRun]]:
    """Login processes started by a test; stopped if the test leaves them running."""
    runs: list[LoginRun] = []
    yield runs
    for run in runs:
        run.close()
