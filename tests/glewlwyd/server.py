"""Run a real glewlwyd (Debian's 2.7.5 package, unpacked by fetch.sh) on loopback for the tests.

Nothing is installed: the binary runs from the unpacked tree with ``LD_LIBRARY_PATH``, with a
SQLite database made from the package's own init script (it holds the ``admin`` user), and a
configuration written from the package's sample with ``bind_address`` 127.0.0.1 and a free
port. Set-up then goes through glewlwyd's admin REST API, as an administrator's browser
would: the OpenID Connect plugin instances, the TV client, one user per test.

Two things a reader of this file should know about glewlwyd:

- its session cookies carry ``Domain=localhost``, which Python's cookie jar drops for a host
  without a dot, so every session here sends its ``Cookie`` header itself, and the server
  is addressed as ``localhost`` (its ``external_url``), never 127.0.0.1;
- a user approves a code with no browser in three requests: sign in (``POST /api/auth/``),
  consent to the client's scope (``PUT /api/auth/grant/{client}``), then open the complete
  verification URI with ``g_continue``; the answer is a redirect whose ``prompt`` says how
  it went (``deviceComplete``, ``deviceCodeError``...).
"""

from __future__ import annotations

import gzip
import os
import secrets
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests

HERE = Path(__file__).resolve().parent
FETCH_SCRIPT = HERE / "fetch.sh"
DEFAULT_CACHE = HERE.parents[1] / ".cache" / "glewlwyd"

CLIENT_ID = "tv"
ADMIN = ("admin", "password")  # the package's init script creates this administrator
SCOPE = "openid"
# Startup measured at ~0.1 s on the 2-core machine; set-up over the API at ~0.3 s.
STARTUP_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0

# Poll interval and code lifetime the plugins announce. glewlwyd's defaults are 5 s and
# 600 s; 2 s keeps each sign-in near 2 s. glewlwyd compares whole seconds (its database
# clock), so an interval of 2 still tells a poll 1 s early from one on time.
INTERVAL = 2
CODE_LIFETIME = 600
# The short-lived plugin: room for two polls (at ~2 s and ~4 s) before the deadline.
SHORT_CODE_LIFETIME = 6
ACCESS_TOKEN_LIFETIME = 3600  # glewlwyd's default; a --min-ttl above it forces a refresh

# OpenID Connect plugin instances, each with its own URL (/api/NAME) and so its own issuer.
PLUGINS: dict[str, dict[str, Any]] = {
    # As a deployer sets glewlwyd up for TVs: device grant, refresh tokens that rotate on
    # every use ("always") and roll their expiry, name and email in userinfo.
    "oidc": {},
    # Codes that expire after SHORT_CODE_LIFETIME seconds.
    "oidcshort": {"device-authorization-expiration": SHORT_CODE_LIFETIME},
}
# DPoP (RFC 9449) allowed: tokens come back bound when the request carries a proof.
# Groundwork for issue 13 part 3: the client does not speak DPoP yet.
DPOP_PLUGIN = "oidcdpop"
DPOP_PARAMETERS = {"oauth-dpop-allowed": True, "oauth-dpop-iat-duration": 60}


class GlewlwydError(RuntimeError):
    """glewlwyd could not be fetched, did not start, or refused a set-up request."""


class Unavailable(GlewlwydError):
    """glewlwyd cannot be had on this machine (the tests skip, saying why)."""


def fetch(cache: Path = DEFAULT_CACHE) -> Path:
    """The unpacked package tree, fetched by fetch.sh on first use."""
    done = subprocess.run(
        ["bash", str(FETCH_SCRIPT), str(cache)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode == 3:
        raise Unavailable(done.stderr.strip().splitlines()[-1])
    if done.returncode != 0:
        raise GlewlwydError(f"fetch.sh failed ({done.returncode}): {done.stderr.strip()}")
    root = Path(done.stdout.strip().splitlines()[-1])
    if not (root / "usr/bin/glewlwyd").exists():
        raise GlewlwydError(f"fetch.sh gave {root}, which has no usr/bin/glewlwyd")
    return root


def package_version(cache: Path = DEFAULT_CACHE) -> str:
    stamp = cache / "ready"
    return stamp.read_text().strip() if stamp.exists() else "unknown"


def plugin_parameters(issuer: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The oidc plugin's parameters (glewlwyd's OIDC.md names them)."""
    return {
        "iss": issuer,
        "jwt-type": "sha",
        "jwt-key-size": "256",
        "key": secrets.token_urlsafe(32),
        "access-token-duration": ACCESS_TOKEN_LIFETIME,
        "refresh-token-duration": 14 * 24 * 3600,
        "refresh-token-rolling": True,
        "refresh-token-one-use": "always",
        "code-duration": 600,
        "allow-non-oidc": True,
        "auth-type-device-enabled": True,
        "auth-type-refresh-enabled": True,
        "device-authorization-expiration": CODE_LIFETIME,
        "device-authorization-interval": INTERVAL,
        "name-claim": "mandatory",
        "email-claim": "mandatory",
        # The revocation endpoint (RFC 7009), as glewlwyd offers it: for confidential clients.
        "introspection-revocation-allowed": True,
        "introspection-revocation-allow-target-client": True,
        **extra,
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _config(root: Path, db: Path, port: int) -> str:
    """glewlwyd.conf: the package's sample, on loopback, modules from the unpacked tree."""
    lib = root / "usr/lib/glewlwyd"
    return f"""# Written by tests/glewlwyd/server.py from the package's glewlwyd.conf.sample.
port={port}
bind_address="127.0.0.1"
external_url="http://localhost:{port}"
login_url="login.html"
api_prefix="api"
static_files_path="{root}/usr/share/glewlwyd/webapp/"
allow_origin="*"
log_mode="console"
log_level="INFO"
cookie_domain="localhost"
cookie_secure=0
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="{lib}/user"
user_middleware_module_path="{lib}/user_middleware"
client_module_path="{lib}/client"
user_auth_scheme_module_path="{lib}/scheme"
plugin_module_path="{lib}/plugin"
hash_algorithm="SHA512"
database =
{{
  type = "sqlite3"
  path = "{db}"
}};
"""


def _init_database(root: Path, db: Path) -> None:
    script = root / "usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz"
    with gzip.open(script, "rt", encoding="utf-8") as f:
        sql = f.read()
    con = sqlite3.connect(db)
    try:
        con.executescript(sql)
        con.commit()
    finally:
        con.close()


class Session:
    """Someone signed in to glewlwyd: sends its session cookie by hand (see the module doc)."""

    def __init__(self, api: str, username: str, password: str) -> None:
        self.api = api
        reply = requests.post(
            f"{api}/auth/",
            json={"username": username, "password": password},
            timeout=REQUEST_TIMEOUT,
        )
        if reply.status_code != 200 or "set-cookie" not in reply.headers:
            raise GlewlwydError(f"sign-in of {username!r}: HTTP {reply.status_code}")
        self.cookie = reply.headers["set-cookie"].split(";", 1)[0]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Cookie": self.cookie, **kwargs.pop("headers", {})}
        return requests.request(
            method,
            path if path.startswith("http") else f"{self.api}{path}",
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
            **kwargs,
        )

    def must(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        reply = self.request(method, path, **kwargs)
        if reply.status_code != 200:
            raise GlewlwydError(f"{method} {path}: HTTP {reply.status_code} {reply.text[:300]}")
        return reply


@dataclass
class PhoneUser:
    """A person with a glewlwyd account and a phone: approves codes, manages devices."""

    server: Glewlwyd
    username: str
    password: str
    name: str
    email: str
    _session: Session | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.server.api, self.username, self.password)
        return self._session

    def approve(self, verification_uri_complete: str, scope: str = SCOPE) -> str:
        """Open the URI the TV showed, signed in, and consent; returns glewlwyd's ``prompt``.

        ``deviceComplete`` means approved; ``deviceCodeError`` an unknown or expired code.
        """
        client = self.server.client_id
        self.session.must("PUT", f"/auth/grant/{quote(client)}", json={"scope": scope})
        reply = self.session.request("GET", verification_uri_complete + "&g_continue")
        if reply.status_code != 302:
            raise GlewlwydError(f"device page: HTTP {reply.status_code}, expected a redirect")
        target = urlsplit(reply.headers["location"])
        prompt = parse_qs(target.query).get("prompt", [""])[0]
        return prompt

    def refresh_tokens(self, plugin: str = "oidc") -> list[dict[str, Any]]:
        """The refresh tokens issued for this user, as the profile page lists them."""
        tokens: list[dict[str, Any]] = self.session.must("GET", f"/{plugin}/token").json()
        return tokens

    def device_tokens(self, plugin: str = "oidc") -> list[dict[str, Any]]:
        """The refresh tokens that device-app got (its User-Agent), in no set order.

        glewlwyd stamps them in whole seconds: two from the same second cannot be told apart.
        """
        return [
            t
            for t in self.refresh_tokens(plugin)
            if str(t.get("user_agent", "")).startswith("device-app/")
        ]

    def sign_out_device(self, plugin: str = "oidc") -> dict[str, Any]:
        """Disable the device's live refresh token, as "sign out" on the profile page does."""
        live = [t for t in self.device_tokens(plugin) if t["enabled"]]
        if len(live) != 1:
            raise GlewlwydError(f"expected one live device token, found {len(live)}")
        self.session.must("DELETE", f"/{plugin}/token/{quote(live[0]['token_hash'], safe='')}")
        return live[0]


@dataclass
class Glewlwyd:
    """A running glewlwyd and what a test needs to talk to it."""

    base_url: str
    client_id: str
    version: str
    log_path: Path
    admin: Session
    plugins: tuple[str, ...]

    @property
    def api(self) -> str:
        return f"{self.base_url}/api"

    def issuer(self, plugin: str = "oidc") -> str:
        """The URL of one OpenID Connect plugin instance: what a user gives as --issuer."""
        return f"{self.api}/{plugin}"

    def new_user(self) -> PhoneUser:
        """A fresh account, so that each test sees only its own devices."""
        username = "viewer-" + secrets.token_hex(4)
        user = PhoneUser(
            self,
            username,
            secrets.token_urlsafe(12),
            name=f"Viewer {username[-4:].upper()}",
            email=f"{username}@example.org",
        )
        self.admin.must(
            "POST",
            "/user/",
            json={
                "username": user.username,
                "password": user.password,
                "name": user.name,
                "email": user.email,
                "scope": [SCOPE, "g_profile"],
                "enabled": True,
            },
        )
        return user

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


class _LogPump(threading.Thread):
    """Copies glewlwyd's console log to a file; notes when it says it has started."""

    def __init__(self, proc: subprocess.Popen[str], path: Path) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.path = path
        self.started = threading.Event()
        self.ended = threading.Event()

    def run(self) -> None:
        assert self.proc.stdout is not None
        with self.path.open("w", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                if "Glewlwyd started on port" in line:
                    self.started.set()
        self.ended.set()
        self.started.set()  # wake a waiter: the process is gone


def _start(root: Path, workdir: Path, port: int) -> tuple[subprocess.Popen[str], _LogPump]:
    conf = workdir / "glewlwyd.conf"
    conf.write_text(_config(root, workdir / "glewlwyd.db", port), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLEWLWYD_")}
    arch_libs = [p for p in (root / "usr/lib").glob("*-linux-gnu") if p.is_dir()]
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [*map(str, arch_libs), *filter(None, [os.environ.get("LD_LIBRARY_PATH")])]
    )
    proc = subprocess.Popen(
        [str(root / "usr/bin/glewlwyd"), f"--config-file={conf}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        cwd=workdir,
    )
    pump = _LogPump(proc, workdir / "glewlwyd.log")
    pump.start()
    return proc, pump


def _listening(proc: subprocess.Popen[str], pump: _LogPump, port: int) -> bool:
    """True once glewlwyd accepts connections; False if it exits or the time runs out.

    It logs "started" just before it opens its socket, so the log line alone is not enough.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT
    pump.started.wait(STARTUP_TIMEOUT)
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
        except OSError:
            try:
                proc.wait(timeout=0.05)  # an exit ends the wait at once
            except subprocess.TimeoutExpired:
                continue
            return False
        else:
            return proc.poll() is None
    return False


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _set_up(admin: Session, base_url: str, plugins: dict[str, dict[str, Any]]) -> None:
    for name, extra in plugins.items():
        issuer = f"{base_url}/api/{name}"
        admin.must(
            "POST",
            "/mod/plugin/",
            json={
                "module": "oidc",
                "name": name,
                "display_name": f"OpenID Connect ({name})",
                "enabled": True,
                "parameters": plugin_parameters(issuer, extra),
            },
        )
    admin.must(
        "POST",
        "/client/",
        json={
            "client_id": CLIENT_ID,
            "client_name": "Living-room TV",
            "confidential": False,
            "authorization_type": ["device_authorization", "refresh_token"],
            "enabled": True,
        },
    )


@contextmanager
def running_glewlwyd(
    workdir: Path, root: Path | None = None, dpop: bool = False
) -> Iterator[Glewlwyd]:
    """Run glewlwyd with its database in ``workdir``; stop it on exit.

    ``dpop=True`` adds the ``oidcdpop`` plugin instance, which allows DPoP-bound tokens.
    """
    root = root or fetch()
    _init_database(root, workdir / "glewlwyd.db")
    plugins = dict(PLUGINS)
    if dpop:
        plugins[DPOP_PLUGIN] = DPOP_PARAMETERS
    for attempt in range(3):
        port = _free_port()
        proc, pump = _start(root, workdir, port)
        if _listening(proc, pump, port):
            break
        _stop(proc)
        pump.ended.wait(5)
        log = (workdir / "glewlwyd.log").read_text(encoding="utf-8", errors="replace")
        if "Error starting glewlwyd webserver" not in log or attempt == 2:
            raise GlewlwydError(f"glewlwyd did not start (exit {proc.poll()}):\n{log[-3000:]}")
        # The free port was taken in the meantime: try another.
    try:
        base_url = f"http://localhost:{port}"
        admin = Session(f"{base_url}/api", *ADMIN)
        _set_up(admin, base_url, plugins)
        yield Glewlwyd(
            base_url=base_url,
            client_id=CLIENT_ID,
            version=package_version(root.parent),
            log_path=workdir / "glewlwyd.log",
            admin=admin,
            plugins=tuple(plugins),
        )
    finally:
        _stop(proc)
        pump.ended.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
