"""DPoP (RFC 9449) for the simulator: proofs checked, tokens bound, nonces demanded.

Switched on by ``SimulatorConfig.dpop``: ``"on"`` checks every proof it gets and binds the
tokens of a proven request; ``"nonce"`` also demands the server's ``DPoP-Nonce`` in each
proof (§8 at the token endpoint, §9 at the API). Without a proof the simulator issues Bearer
tokens as before.

A proof is checked as §4.3 says: a JWS with ``typ`` ``dpop+jwt``, ``alg`` ES256 and a public
``jwk`` that verifies it; ``htm`` and ``htu`` naming this request; ``iat`` within
:data:`IAT_WINDOW`; a ``jti`` not seen before; at the API, ``ath`` the hash of the token;
under ``nonce``, the current nonce. Bound access tokens are JWTs whose ``cnf.jkt`` names the
key (§6.1); a bound token presented as Bearer is refused (§7.2).

Verification uses joserfc, not the device's own code, so the two check each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g, request
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from .context import SimContext

MODES = ("off", "on", "nonce")
# ±60 s around the server's clock: RFC 9449 §11.1 leaves the window to the server; a
# minute absorbs a TV's clock that NTP has not yet corrected, and bounds the jti memory.
IAT_WINDOW = 60
ALGS = ["ES256"]


class ProofError(Exception):
    """The DPoP proof is unacceptable; ``error`` is the OAuth error code to answer."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class DPoPState:
    """What the simulator remembers: seen jtis, the current nonce, token bindings."""

    require_nonce: bool
    clock: Callable[[], float]
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    seen: dict[str, float] = field(default_factory=dict)  # jti -> iat
    bound: dict[str, str] = field(default_factory=dict)  # access or refresh token -> jkt
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, proof: str, method: str, url: str, token: str | None = None) -> str:
        """The proof's key thumbprint (jkt), or ProofError saying what is wrong."""
        key, claims = _verified(proof)
        now = self.clock()
        if claims.get("htm") != method or claims.get("htu") != url:
            raise ProofError("invalid_dpop_proof", "htm/htu do not name this request")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or abs(now - iat) > IAT_WINDOW:
            raise ProofError("invalid_dpop_proof", "iat is missing or outside the window")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise ProofError("invalid_dpop_proof", "no jti")
        if token is not None and claims.get("ath") != _b64(hashlib.sha256(token.encode()).digest()):
            raise ProofError("invalid_dpop_proof", "ath does not match the access token")
        if self.require_nonce and claims.get("nonce") != self.nonce:
            raise ProofError("use_dpop_nonce", "send the server's DPoP-Nonce in the proof")
        with self.lock:
            for old in [j for j, t in self.seen.items() if now - t > 2 * IAT_WINDOW]:
                del self.seen[old]
            if jti in self.seen:
                raise ProofError("invalid_dpop_proof", "this proof (jti) was already used")
            self.seen[jti] = float(iat)
        return str(key.thumbprint())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _verified(proof: str) -> tuple[ECKey, dict[str, Any]]:
    try:
        header = jws.extract_compact(proof.encode()).headers()
        jwk = header.get("jwk")
        if header.get("typ") != "dpop+jwt" or header.get("alg") not in ALGS:
            raise ProofError("invalid_dpop_proof", "typ must be dpop+jwt and alg ES256")
        if not isinstance(jwk, dict) or "d" in jwk:
            raise ProofError("invalid_dpop_proof", "the header needs a public jwk")
        key = ECKey.import_key(jwk)
        claims = json.loads(jws.deserialize_compact(proof, key, algorithms=ALGS).payload)
    except (JoseError, ValueError, TypeError, KeyError) as e:
        raise ProofError("invalid_dpop_proof", "the proof does not verify (%s)" % e) from None
    if not isinstance(claims, dict):
        raise ProofError("invalid_dpop_proof", "the proof's payload is not an object")
    return key, claims


def metadata(ctx: SimContext) -> dict[str, Any]:
    """What the metadata says about DPoP (§5.1)."""
    return {"dpop_signing_alg_values_supported": ALGS} if ctx.config.dpop != "off" else {}


def install(app: Flask, ctx: SimContext) -> None:
    """Check proofs and bind tokens at the token endpoint and the userinfo API.

    Call before the authorization server is built: bound access tokens are JWTs naming
    their key, made by the token generator set here.
    """
    if ctx.config.dpop == "off":
        return
    state = DPoPState(require_nonce=ctx.config.dpop == "nonce", clock=ctx.clock)
    d = ctx.dialect
    app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = _access_token_generator

    @app.before_request
    def check_proof() -> Response | None:
        if request.path == d.token_path and request.method == "POST":
            return _at_token_endpoint(ctx, state)
        if request.path == d.userinfo_path:
            return _at_api(ctx, state)
        return None

    @app.after_request
    def bind(resp: Response) -> Response:
        if request.path == d.token_path:
            resp.headers["DPoP-Nonce"] = state.nonce
            jkt = g.get("dpop_jkt")
            if jkt and resp.status_code == 200 and resp.is_json:
                body = resp.get_json()
                body["token_type"] = "DPoP"  # noqa: S105 - a type name
                with state.lock:
                    for name in ("access_token", "refresh_token"):
                        if body.get(name):
                            state.bound[body[name]] = jkt
                resp.set_data(json.dumps(body))
        return resp


def _access_token_generator(*_args: Any, **_kw: Any) -> str:
    """An opaque token, or for a proven request a JWT whose cnf.jkt names the key (§6.1)."""
    jkt = g.get("dpop_jkt")
    if not jkt:
        return secrets.token_urlsafe(32)
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    claims = {"jti": secrets.token_urlsafe(16), "cnf": {"jkt": jkt}}
    return header + "." + _b64(json.dumps(claims).encode()) + "."


def _at_token_endpoint(ctx: SimContext, state: DPoPState) -> Response | None:
    proof = request.headers.get("DPoP")
    refresh = request.form.get("refresh_token")
    with state.lock:
        bound_to = state.bound.get(refresh) if refresh else None
    if proof is None:
        if bound_to:
            return _token_error(state, "invalid_dpop_proof", "this refresh token needs a proof")
        return None
    try:
        jkt = state.check(proof, "POST", ctx.base_url + request.path)
    except ProofError as e:
        return _token_error(state, e.error, e.description)
    if bound_to and bound_to != jkt:
        return _token_error(state, "invalid_grant", "the refresh token is bound to another key")
    g.dpop_jkt = jkt
    return None


def _token_error(state: DPoPState, error: str, description: str) -> Response:
    body = json.dumps({"error": error, "error_description": description})
    headers = {"DPoP-Nonce": state.nonce, "Cache-Control": "no-store"}
    return Response(body, status=400, mimetype="application/json", headers=headers)


def _at_api(ctx: SimContext, state: DPoPState) -> Response | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    token = token.strip()
    with state.lock:
        jkt = state.bound.get(token)
    if scheme.lower() == "bearer":
        if jkt:  # §7.2: a bound token is not a bearer token
            return _api_error(state, "invalid_token", "this token is DPoP-bound: use DPoP")
        return None
    if scheme.lower() != "dpop":
        return None
    proof = request.headers.get("DPoP")
    if proof is None:
        return _api_error(state, "invalid_dpop_proof", "a DPoP proof is required")
    try:
        proven = state.check(proof, request.method, ctx.base_url + request.path, token)
    except ProofError as e:
        return _api_error(state, e.error, e.description)
    if proven != jkt:
        return _api_error(state, "invalid_token", "the token is not bound to this key")
    # Authlib's resource protector reads Bearer; the proof has been checked above.
    request.environ["HTTP_AUTHORIZATION"] = "Bearer " + token
    return None


def _api_error(state: DPoPState, error: str, description: str) -> Response:
    challenge = 'DPoP algs="ES256", error="%s", error_description="%s"' % (error, description)
    body = json.dumps({"error": error, "error_description": description})
    headers = {"WWW-Authenticate": challenge, "DPoP-Nonce": state.nonce}
    return Response(body, status=401, mimetype="application/json", headers=headers)
