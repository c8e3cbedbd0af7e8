"""Rendering OAuth responses in a dialect's wire format (status, body encoding, field names)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .dialects import Dialect

JSON_TYPE = "application/json;charset=UTF-8"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))

# Entra ID AADSTS numbers for the codes the device flow uses (design-notes §1.3;
# https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
AADSTS = {
    "authorization_pending": 70016,
    "bad_verification_code": 70018,
    "expired_token": 70019,
    "authorization_declined": 70000,
    "invalid_grant": 70000,
    "invalid_client": 7000218,
    "unauthorized_client": 700016,
    "unsupported_grant_type": 70003,
    "invalid_scope": 70011,
    "invalid_request": 900144,
    "slow_down": 70016,
}

# Where GitHub points error_uri for device-flow errors.
GITHUB_ERROR_URI = (
    "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow"
)

Rendered = tuple[int, bytes, list[tuple[str, str]]]


def wants_form(dialect: Dialect, accept: str | None) -> bool:
    """GitHub answers form-encoded unless the client asks for JSON."""
    return dialect.form_unless_accept_json and "application/json" not in (accept or "")


def render_body(
    dialect: Dialect,
    status: int,
    payload: Mapping[str, Any],
    accept: str | None,
    extra_headers: Mapping[str, str] | None = None,
) -> Rendered:
    """Encode ``payload`` as JSON, or as a form for GitHub without ``Accept: application/json``."""
    headers = [(k, v) for k, v in (extra_headers or {}).items() if k.lower() != "content-type"]
    if wants_form(dialect, accept):
        body = urlencode({k: _form_value(v) for k, v in payload.items()}).encode()
        headers.append(("Content-Type", FORM_TYPE))
    else:
        body = json.dumps(dict(payload)).encode()
        headers.append(("Content-Type", JSON_TYPE))
    names = {k.lower() for k, _ in headers}
    headers.extend((k, v) for k, v in NO_STORE if k.lower() not in names)
    return status, body, headers


def _form_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def error_payload(
    dialect: Dialect,
    endpoint: str,
    error: str,
    description: str | None,
    canonical: str | None = None,
    interval: int | None = None,
    status: int = 400,
) -> tuple[int, dict[str, Any]]:
    """The status and body of an OAuth error as this dialect sends it from ``endpoint``."""
    name = error
    if canonical and canonical in dialect.error_names:
        name = dialect.error_names[canonical]
    elif error in dialect.error_names:
        name = dialect.error_names[error]
    if endpoint == "token":
        status = dialect.token_error_status.get(error, status)
        if dialect.errors_with_200:
            status = 200
    body: dict[str, Any] = {"error": name}
    if dialect.error_body == "microsoft":
        code = AADSTS.get(name, 90000)
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        body["error_description"] = (
            f"AADSTS{code}: {description or name}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {corr}\r\nTimestamp: {stamp}"
        )
        body.update(error_codes=[code], timestamp=stamp, trace_id=trace, correlation_id=corr)
    else:
        if description:
            body["error_description"] = description
        if dialect.error_body == "github":
            body["error_uri"] = GITHUB_ERROR_URI
    if interval is not None and dialect.slow_down_carries_interval:
        body["interval"] = interval
    return status, body
