"""Start and stop the test django-oauth-toolkit IdP (``idp/serve.py``) as a subprocess.

The pytest process never imports Django: its settings are process-global and other
test folders must not inherit them.
"""

import json
import os
import secrets
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

SERVE_SCRIPT = Path(__file__).resolve().parent / "idp" / "serve.py"

# Lifetime of codes issued to the short-lived client, and the poll interval DOT asks
# for. Measured cost/benefit: interval 2 s keeps each sign-in under ~3 s (DOT's default
# is 5 s); a 5 s lifetime leaves room for two polls (at ~2 s and ~4 s) before the deadline,
# with ~1 s of margin on each side of it.
SHORT_CODE_LIFETIME = 5
POLL_INTERVAL = 2
STARTUP_TIMEOUT = 15.0  # seconds; startup measured at ~1.5 s on the 2-core CI machine


class IdpError(RuntimeError):
    """The test IdP did not start or answered the control endpoint with an error."""


@dataclass(frozen=True)
class DotServer:
    """A running test IdP and what a test needs to talk to it."""

    base_url: str
    issuer: str
    client_id: str
    short_lived_client_id: str
    short_code_lifetime: int
    interval: int
    username: str
    password: str
    control_key: str
    log_path: Path

    def control(self, **order: Any) -> dict[str, Any]:
        """Send one order to the test-only control endpoint (see ``idp/views.py``)."""
        reply = requests.post(
            f"{self.base_url}/test-control/",
            json=order,
            headers={"X-Idp-Control-Key": self.control_key},
            timeout=10,
        )
        if reply.status_code >= 500 or reply.status_code == 403:
            raise IdpError(f"control {order.get('action')}: HTTP {reply.status_code}")
        answer: dict[str, Any] = reply.json()
        return answer

    def log_tail(self, lines: int = 40) -> str:
        """The end of the IdP's request/error log, for failure messages."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _read_ready_line(proc: subprocess.Popen[str], log_path: Path) -> dict[str, Any]:
    assert proc.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise IdpError(f"test IdP did not start (exit={proc.poll()}):\n{tail}")
        readable, _, _ = select.select([proc.stdout], [], [], min(left, 0.2))
        if readable:
            line = proc.stdout.readline()
            if line:
                ready: dict[str, Any] = json.loads(line)
                return ready


@contextmanager
def running_idp(workdir: Path, prefix: str = "o/") -> Iterator[DotServer]:
    """Run the IdP with DOT mounted at ``prefix`` and its database in ``workdir``."""
    password = secrets.token_urlsafe(12)
    control_key = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "IDP_"))}
    env.update(
        IDP_USER_PASSWORD=password,
        IDP_CONTROL_KEY=control_key,
        IDP_SHORT_CODE_LIFETIME=str(SHORT_CODE_LIFETIME),
        IDP_DEVICE_FLOW_INTERVAL=str(POLL_INTERVAL),
        PYTHONUNBUFFERED="1",
    )
    log_path = workdir / "idp.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, str(SERVE_SCRIPT), "--db-dir", str(workdir), "--prefix", prefix],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        try:
            ready = _read_ready_line(proc, log_path)
            server = DotServer(
                base_url=ready["base_url"],
                issuer=ready["issuer"],
                client_id=ready["client_id"],
                short_lived_client_id=ready["short_lived_client_id"],
                short_code_lifetime=int(ready["short_code_lifetime"]),
                interval=POLL_INTERVAL,
                username=ready["username"],
                password=password,
                control_key=control_key,
                log_path=log_path,
            )
            path = server.issuer[len(server.base_url) :]
            probe = requests.get(
                f"{server.base_url}/.well-known/oauth-authorization-server{path}", timeout=5
            )
            if probe.status_code != 200:
                raise IdpError(f"metadata probe answered HTTP {probe.status_code}")
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
