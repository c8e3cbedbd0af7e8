"""Hand-made DPoP proofs (RFC 9449) for the harness: groundwork for issue 13, part 3.

device-app does not speak DPoP yet. This is only enough to show that the glewlwyd the tests
run can bind tokens: an EC P-256 key, its RFC 7638 thumbprint, and ES256-signed proof JWTs
(``htm``, ``htu``, ``iat``, a fresh ``jti``, and ``ath`` for a resource request). It needs
the ``cryptography`` package (installed with the simulator's Authlib).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (the tests only read what the server put there)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


class DpopKey:
    """A device key and the proofs it signs."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    def public_jwk(self) -> dict[str, str]:
        numbers = self._key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    def thumbprint(self) -> str:
        """RFC 7638: SHA-256 of the required members in lexicographic order, no spaces."""
        return b64url(hashlib.sha256(_json(self.public_jwk())).digest())

    def proof(self, htm: str, htu: str, access_token: str | None = None) -> str:
        """A DPoP proof JWT for one request (RFC 9449 §4.2)."""
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk()}
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": htm,
            "htu": htu,
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = b64url(hashlib.sha256(access_token.encode("ascii")).digest())
        signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}"
        der = self._key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
