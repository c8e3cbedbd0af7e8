"""SIGKILL during sign-ins that save a DPoP key with its tokens: never a key without its tokens.

A child process signs in through the real Session against a scripted server that binds each
access token to the key of the proof it got (a JWT naming ``cnf.jkt``). The parent kills it,
opens the store afresh and checks: tokens on disk always come with the key they are bound
to; a key never sits on disk without its tokens; the record is whole. First before every
single system call of a first sign-in (deterministic), then at random moments of sign-in
after sign-in (each with a new key, as every new authorization gets).

No mocks of the store or the files: real files, real processes, real signals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import threading
from pathlib import Path
from typing import Any

from device_app.core.http import Request, Response
from device_app.core.profile import build_profile
from device_app.engine.dpop import DeviceKey, jwt_claims
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore

from .helpers import forked, temp_names
from .test_store_kill import MAX_DELAY, die_before_call

ISSUER = "https://auth.example.test"
RANDOM_KILLS = 150
STORE_PROFILE = "dpop"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _proof_jkt(proof: str) -> str:
    """RFC 7638 thumbprint of the proof's jwk, computed here, not by the device's code."""
    header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
    jwk = {k: header["jwk"][k] for k in ("crv", "kty", "x", "y")}
    return _b64(hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest())


def server(request: Request) -> Response:
    """Device code at once, then tokens bound to the key that signed the poll."""
    if request.url.endswith("/device_authorization"):
        body: dict[str, Any] = {
            "device_code": "dc-" + os.urandom(8).hex(),
            "user_code": "WDJB-MJHT",
            "verification_uri": ISSUER + "/device",
            "expires_in": 600,
            "interval": 1,
        }
    else:
        claims = {"sub": "alice", "cnf": {"jkt": _proof_jkt(request.headers["DPoP"])}}
        body = {
            "access_token": "eyJhbGciOiJub25lIn0." + _b64(json.dumps(claims).encode()) + ".",
            "token_type": "DPoP",
            "refresh_token": "rt-" + os.urandom(8).hex(),
            "expires_in": 3600,
        }
    return Response(200, {"Content-Type": "application/json"}, json.dumps(body).encode())


class NoSleep(threading.Event):
    """A cancel event whose wait() returns at once (the fake clock moves instead)."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        self.clock[0] += timeout or 0.0
        return False


def sign_in(directory: str) -> None:
    clock = [1000.0]
    session = Session(
        build_profile("standard", "tv", issuer=ISSUER, dpop=True),
        TokenStore(directory, STORE_PROFILE),
        server,
        clock=lambda: clock[0],
        wall=lambda: 1_800_000_000.0 + clock[0],
    )
    final = session.login(lambda event: None, NoSleep(clock))
    assert final.kind == "authorized", final


def check_consistent(directory: Path) -> bool:
    """The invariant after a kill; True when tokens (and so their key) are on disk."""
    store = TokenStore(directory, STORE_PROFILE)
    doc = store.load()
    assert store.warning is None
    assert temp_names(store) == []
    if doc is None or not doc.get("tokens"):
        assert not (doc or {}).get("dpop_key"), "a key on disk without its tokens"
        return False
    claims = jwt_claims(doc["tokens"]["access_token"])
    assert claims is not None
    key = DeviceKey.from_record(doc["dpop_key"])
    assert key.thumbprint == claims["cnf"]["jkt"], "the stored key is not the tokens' key"
    return True


def test_sigkill_before_every_syscall_of_the_first_sign_in(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    outcomes: dict[int, bool] = {}
    for number in range(1, 400):

        def first_sign_in(_: int, number: int = number) -> None:
            die_before_call(number)
            sign_in(str(directory))

        status, output = forked(first_sign_in)
        stored = check_consistent(directory)
        if output == b"done":
            assert stored
            break
        assert os.WIFSIGNALED(status), output.decode(errors="replace")
        outcomes[number] = stored
        TokenStore(directory, STORE_PROFILE).clear()  # the next kill sees a first sign-in
    else:
        raise AssertionError("the sign-in never completed")
    # Kills landed both before the tokens' save committed and after it.
    assert set(outcomes.values()) == {False, True}, outcomes
    print(f"\nfirst sign-in killed before each of its {len(outcomes)} syscalls")


def test_sigkill_at_random_moments_of_repeated_sign_ins(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    with_tokens = 0
    for kill in range(RANDOM_KILLS):

        def sign_ins(_: int) -> None:
            while True:  # every sign-in is a new authorization with a new key
                sign_in(str(directory))

        status, output = forked(sign_ins, kill_after=rng.uniform(0, MAX_DELAY))
        assert os.WTERMSIG(status) == signal.SIGKILL, output.decode(errors="replace")
        try:
            with_tokens += check_consistent(directory)
        except AssertionError as e:
            raise AssertionError(f"seed={seed} kill={kill}: {e}") from None
    assert with_tokens > 0  # sign-ins did complete between kills
