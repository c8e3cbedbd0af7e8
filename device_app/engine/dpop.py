"""DPoP (RFC 9449): a device key and the proofs signed with it.

Theory of operation
-------------------
A :class:`DeviceKey` (EC P-256, ES256) is made on the device for each new authorization and
kept in the token store's record, so that the key and the tokens bound to it are written
together, atomically, or not at all. Its private half lives only in that record and in
memory: never printed, never logged (the private scalar is registered with the log redactor).

:class:`DPoP` signs one proof per request (§4.2: ``typ``, ``alg``, ``jwk`` in the header;
``jti``, ``htm``, ``htu``, ``iat``, and ``ath`` for a resource request, ``nonce`` when the
server gave one). :meth:`DPoP.send` wraps a transport: it adds the proof, remembers any
``DPoP-Nonce`` a server returns (per origin), and when a server answers ``use_dpop_nonce``
(§8 at the authorization server, §9 at a resource server) sends the request once more with
the new nonce.

The MicroPython core never sees any of this: it builds plain requests, and accepts a
``DPoP`` token type when the profile says the driver signs proofs. ``cryptography`` is
imported only when a key is made or read: a device without DPoP never loads it (the Pi Zero
memory budget, docs/ui.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from device_app.core.errors import ProtocolError
from device_app.core.http import Request, Response
from device_app.engine.logging_setup import register_secret

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

Transport = Callable[[Request], Response]

MODES = ("auto", "on", "off")
ALG = "ES256"  # RFC 9449 §4.2 / RFC 7518 §3.4: ECDSA P-256 with SHA-256
_COORD = 32  # bytes in a P-256 coordinate and in each half of an ES256 signature


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DeviceKey:
    """An EC P-256 private key with its public JWK and RFC 7638 thumbprint."""

    def __init__(self, private: ec.EllipticCurvePrivateKey) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        if not isinstance(private.curve, ec.SECP256R1):
            raise ValueError("a DPoP device key must be on P-256")
        self._private = private
        numbers = private.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(_COORD, "big")),
            "y": b64url(numbers.y.to_bytes(_COORD, "big")),
        }
        # RFC 7638 §3.2: the required members, sorted, no spaces.
        canonical = json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
        self.thumbprint = b64url(hashlib.sha256(canonical.encode("ascii")).digest())
        register_secret(self._d())

    def __repr__(self) -> str:
        return "DeviceKey(jkt=%s)" % self.thumbprint

    @classmethod
    def generate(cls) -> DeviceKey:
        """A new key, made here on the device."""
        from cryptography.hazmat.primitives.asymmetric import ec

        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_record(cls, record: Any) -> DeviceKey:
        """The key kept in the token store (a private JWK); ValueError if it is not one."""
        from cryptography.hazmat.primitives.asymmetric import ec

        if (
            not isinstance(record, dict)
            or record.get("kty") != "EC"
            or record.get("crv") != ("P-256")
        ):
            raise ValueError("not an EC P-256 key")
        try:
            d = int.from_bytes(_b64url_decode(str(record["d"])), "big")
            private = ec.derive_private_key(d, ec.SECP256R1())
        except (KeyError, ValueError, TypeError) as e:
            raise ValueError("not an EC P-256 key (%s)" % type(e).__name__) from None
        key = cls(private)
        if (key.jwk["x"], key.jwk["y"]) != (record.get("x"), record.get("y")):
            raise ValueError("the stored public key does not match the private key")
        return key

    def _d(self) -> str:
        return b64url(self._private.private_numbers().private_value.to_bytes(_COORD, "big"))

    def record(self) -> dict[str, str]:
        """The private JWK to store beside the tokens (never to print)."""
        return {**self.jwk, "d": self._d()}

    def sign(self, data: bytes) -> bytes:
        """An ES256 signature: r and s, 32 bytes each (RFC 7518 §3.4), not DER."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self._private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_COORD, "big") + s.to_bytes(_COORD, "big")


def htu(url: str) -> str:
    """The ``htu`` of a request: its URL without query and fragment (RFC 9449 §4.2)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def ath(access_token: str) -> str:
    """base64url SHA-256 of the access token (RFC 9449 §4.2 ``ath``)."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWS compact token, unverified; None when ``token`` is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(_b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def check_binding(key: DeviceKey, tokens: dict[str, Any]) -> None:
    """A DPoP-bound JWT access token must name this key in ``cnf.jkt`` (RFC 9449 §6.1).

    Opaque tokens cannot be checked here; the resource server does it.
    """
    if tokens.get("token_type") != "DPoP":
        return
    claims = jwt_claims(str(tokens.get("access_token") or ""))
    cnf = claims.get("cnf") if claims else None
    if isinstance(cnf, dict) and "jkt" in cnf and cnf["jkt"] != key.thumbprint:
        raise ProtocolError(
            "the server bound the access token to another key than this device's (cnf.jkt); "
            "refusing it"
        )


class DPoP:
    """Signs proofs with one device key and remembers each server's latest nonce."""

    def __init__(self, key: DeviceKey, wall: Callable[[], float] = time.time) -> None:
        self.key = key
        self.wall = wall
        self.nonces: dict[str, str] = {}  # origin -> the last DPoP-Nonce it sent

    def proof(self, method: str, url: str, access_token: str | None = None) -> str:
        """One DPoP proof JWT for ``method`` ``url`` (with ``ath`` for a resource request)."""
        header = {"typ": "dpop+jwt", "alg": ALG, "jwk": self.key.jwk}
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(self.wall()),
        }
        nonce = self.nonces.get(_origin(url))
        if nonce:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = ath(access_token)
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        return signing_input + "." + b64url(self.key.sign(signing_input.encode("ascii")))

    def send(
        self, transport: Transport, request: Request, access_token: str | None = None
    ) -> Response:
        """Send ``request`` with a proof; once more with the server's nonce if it asks."""
        response = self._send_once(transport, request, access_token)
        if _wants_nonce(response) and response.header("dpop-nonce"):
            response = self._send_once(transport, request, access_token)
        return response

    def _send_once(
        self, transport: Transport, request: Request, access_token: str | None
    ) -> Response:
        headers = dict(request.headers)
        headers["DPoP"] = self.proof(request.method, request.url, access_token)
        if access_token is not None:
            headers["Authorization"] = "DPoP " + access_token  # RFC 9449 §7.1
        signed = Request(
            request.method, request.url, headers, request.form, request.body, request.secret_fields
        )
        response = transport(signed)
        nonce = response.header("dpop-nonce")
        if isinstance(nonce, str) and nonce.strip() and len(nonce) < 1024:
            self.nonces[_origin(request.url)] = nonce.strip()
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc.lower())


def _wants_nonce(response: Response) -> bool:
    """``use_dpop_nonce`` from an authorization server (§8) or a resource server (§9)."""
    if response.status == 401:
        challenge = str(response.header("www-authenticate") or "")
        return "use_dpop_nonce" in challenge
    if response.status != 400:
        return False
    try:
        body = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"
