"""The OAuth side on Authlib: clients, device codes (RFC 8628), refresh rotation, RFC 7009.

Authlib has no type hints, so the subclasses here are checked loosely (see docs/simulator.md).
"""

from __future__ import annotations

import hmac
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants import RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    AuthorizationPendingError,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
    ExpiredTokenError,
    SlowDownError,
)
from flask import Flask, Response
from flask import request as flask_request

from . import wire
from .context import SimContext
from .demo_data import ALL_SCOPES
from .store import digest
from .usercodes import generate_user_code, normalize_user_code

DEFAULT_SCOPE = "openid profile"
# RFC 8628 §3.5: on slow_down "the interval MUST be increased by 5 seconds".
SLOW_DOWN_STEP = 5
# Polls are timed by wall clock on both sides; allow for timer granularity.
POLL_GRACE_S = 0.05
MAX_DEVICE_NAME = 64
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_METHODS = [*SECRET_METHODS, "none"]


class UnknownDeviceCodeError(InvalidGrantError):  # type: ignore[misc]
    """The device_code was never issued (GitHub and Microsoft have their own names)."""

    canonical = "unknown_device_code"


class SimSlowDownError(SlowDownError):  # type: ignore[misc]
    """slow_down that remembers the new interval (GitHub sends it)."""

    def __init__(self, interval: int) -> None:
        super().__init__("Polling too fast: wait the interval between requests.")
        self.interval = interval


class SimClient(ClientMixin):  # type: ignore[misc]
    """A client row from the store."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.client_id: str = row["client_id"]
        self.client_name: str = row["client_name"]
        self.grant_types = set(str(row["grant_types"]).split())
        self.scope = set(str(row["scope"]).split())
        self.confidential = row["secret_hash"] is not None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in self.scope)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.confidential:
            return False
        return hmac.compare_digest(self.row["secret_hash"], digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if method == "client_id_only":
            return True
        if self.confidential:
            return method in SECRET_METHODS
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class SimToken(TokenMixin):  # type: ignore[misc]
    """A token row; ``matched`` says whether it was found by access or refresh token."""

    def __init__(self, row: dict[str, Any], ctx: SimContext, matched: str = "access") -> None:
        self.row = row
        self.ctx = ctx
        self.matched = matched

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def grant_id(self) -> int:
        return int(self.row["grant_id"])

    def check_client(self, client: SimClient) -> bool:
        return bool(self.row["client_id"] == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.row["scope"])

    def get_expires_in(self) -> int:
        return int(self.row["expires_in"])

    def is_expired(self) -> bool:
        return bool(self.row["issued_at"] + self.row["expires_in"] <= self.ctx.clock())

    def is_revoked(self) -> bool:
        return bool(self.row["access_revoked"] or self.row["grant_revoked_at"])

    def get_user(self) -> dict[str, Any] | None:
        return self.ctx.store.get_user(self.row["username"])

    def get_client(self) -> SimClient | None:
        row = self.ctx.store.get_client(self.row["client_id"])
        return SimClient(row) if row else None


def _client_id_only(query_client: Any, request: Any) -> Any:
    """Google's /device/code takes a bare client_id even for clients that have a secret."""
    client_id = request.payload.client_id
    if client_id and not request.payload.data.get("client_secret"):
        return query_client(client_id)
    return None


class SimAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's Flask server whose responses are rendered in the dialect's wire format."""

    def __init__(self, app: Flask, ctx: SimContext) -> None:
        self.ctx = ctx
        super().__init__(app, query_client=self._query_client_row, save_token=self._save)
        self.register_client_auth_method("client_id_only", _client_id_only)

    def _query_client_row(self, client_id: str) -> SimClient | None:
        row = self.ctx.store.get_client(client_id)
        return SimClient(row) if row else None

    def _save(self, token: dict[str, Any], request: Any) -> None:
        ctx = self.ctx
        now = ctx.clock()
        user = request.user
        client = request.client
        scope = token.get("scope") or ""
        if getattr(request, "refresh_token", None) is not None:
            grant_id = request.refresh_token.grant_id
        else:
            device = request.credential
            grant_id = ctx.store.create_grant(
                client.get_client_id(), user["username"], scope, device.get("device_name"), now
            )
        ctx.store.save_token(
            grant_id,
            client.get_client_id(),
            user["username"],
            scope,
            token["access_token"],
            token.get("refresh_token"),
            int(token["expires_in"]),
            now,
        )

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        accept = flask_request.headers.get("Accept")
        payload = body if isinstance(body, dict) else {}
        code, data, hdrs = wire.render_body(
            self.ctx.dialect, status, payload, accept, dict(headers or [])
        )
        return Response(data, status=code, headers=hdrs)

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        return render_oauth_error(self.ctx, endpoint_name(), error)


def endpoint_name() -> str:
    """The API endpoint of this request (``token``, ...) without its Blueprint's prefix."""
    return str(flask_request.endpoint or "").rpartition(".")[2]


def render_oauth_error(ctx: SimContext, endpoint: str, error: OAuth2Error) -> Response:
    """Render any Authlib error in the dialect's shape (status, names, encoding)."""
    status, body = wire.error_payload(
        ctx.dialect,
        endpoint,
        error.error,
        error.description,
        canonical=getattr(error, "canonical", None),
        interval=getattr(error, "interval", None),
        status=error.status_code or 400,
    )
    headers = {k: v for k, v in (error.get_headers() or []) if k.lower() != "content-type"}
    code, data, hdrs = wire.render_body(
        ctx.dialect, status, body, flask_request.headers.get("Accept"), headers
    )
    return Response(data, status=code, headers=hdrs)


def _token_methods(ctx: SimContext) -> list[str]:
    return SECRET_METHODS if ctx.dialect.token_requires_secret else ALL_METHODS


def build_device_endpoint(ctx: SimContext) -> type[DeviceAuthorizationEndpoint]:
    dialect = ctx.dialect

    class SimDeviceAuthorizationEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
        CLIENT_AUTH_METHODS = (
            [*SECRET_METHODS, "client_id_only"] if dialect.token_requires_secret else ALL_METHODS
        )
        EXPIRES_IN = ctx.config.expires_in
        INTERVAL = ctx.config.interval

        def authenticate_client(self, request: Any) -> SimClient:
            client: SimClient = super().authenticate_client(request)
            if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
                raise UnauthorizedClientError("This client may not use the device flow.")
            scope = request.payload.scope
            if not scope and dialect.scope_required:
                raise InvalidRequestError("Missing 'scope' parameter.")
            if scope and set(scope.split()) - client.scope:
                raise InvalidScopeError("The client may not ask for these scopes.")
            return client

        def generate_user_code(self) -> str:
            while True:
                code = generate_user_code(dialect.user_code)
                key = normalize_user_code(code, dialect.code_match)
                if not ctx.store.user_code_in_use(key, ctx.clock()):
                    return code

        def get_verification_uri(self) -> str:
            return ctx.base_url + dialect.verification_path

        def save_device_credential(
            self, client_id: str, scope: str | None, data: dict[str, Any]
        ) -> None:
            now = ctx.clock()
            typed = (flask_request.form.get("device_name") or "").strip()
            name = "".join(ch for ch in typed if ch.isprintable())[:MAX_DEVICE_NAME] or None
            ctx.store.create_device(
                device_code_hash=digest(data["device_code"]),
                user_code=data["user_code"],
                user_code_key=normalize_user_code(data["user_code"], dialect.code_match),
                client_id=client_id,
                scope=scope or DEFAULT_SCOPE,
                device_name=name,
                issued_at=now,
                expires_at=now + self.EXPIRES_IN,
                interval=self.INTERVAL,
            )

        def create_endpoint_response(self, request: Any) -> tuple[int, dict[str, Any], Any]:
            status, data, headers = super().create_endpoint_response(request)
            shaped: dict[str, Any] = {
                "device_code": data["device_code"],
                "user_code": data["user_code"],
                dialect.verification_field: data["verification_uri"],
                "expires_in": data["expires_in"],
                "interval": data["interval"],
            }
            if dialect.send_complete:
                shaped["verification_uri_complete"] = data["verification_uri_complete"]
            if dialect.send_message:
                shaped["message"] = (
                    f"To sign in, use a web browser to open the page {data['verification_uri']}"
                    f" and enter the code {data['user_code']} to authenticate."
                )
            return status, shaped, headers

    return SimDeviceAuthorizationEndpoint


def build_device_grant(ctx: SimContext) -> type[DeviceCodeGrant]:
    dialect = ctx.dialect
    store = ctx.store

    class SimDeviceCodeGrant(DeviceCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = _token_methods(ctx)

        def validate_token_request(self) -> None:
            device_code = self.request.payload.data.get("device_code")
            if not device_code:
                raise InvalidRequestError("Missing 'device_code' parameter.")
            client = self.authenticate_token_endpoint_client()
            if not client.check_grant_type(self.GRANT_TYPE):
                raise UnauthorizedClientError("This client may not use the device flow.")
            row = store.device_by_code(device_code)
            if row is None:
                raise UnknownDeviceCodeError("Unknown device_code.")
            if row["client_id"] != client.get_client_id():
                raise InvalidGrantError("The device_code was issued to another client.")
            if row["consumed_at"] is not None:
                raise InvalidGrantError("The device_code was already used.")
            self.request.client = client
            self.request.credential = DeviceCredentialDict(row)
            self.request.user = self._decide(row)

        def _decide(self, row: dict[str, Any]) -> dict[str, Any]:
            now = ctx.clock()
            previous = store.record_poll(row["id"], now)
            if ctx.faults.take("slow_down_storm"):
                raise self._slow_down(row)
            if row["expires_at"] <= now:
                if dialect.expired_once and row["expired_reported"]:
                    raise InvalidGrantError("The device_code has expired.")
                store.mark_expired_reported(row["id"])
                raise ExpiredTokenError("The device_code has expired.")
            if row["status"] == "denied":
                raise AccessDeniedError("The user declined the request.")
            if row["status"] == "approved":
                if not store.consume(row["id"], now):
                    raise InvalidGrantError("The device_code was already used.")
                user = store.get_user(row["username"])
                if user is None:
                    raise InvalidGrantError("The account no longer exists.")
                return user
            # RFC 8628 §3.5: a client polling faster than the interval gets slow_down.
            if previous is not None and now - previous < row["interval"] - POLL_GRACE_S:
                raise self._slow_down(row)
            raise AuthorizationPendingError("The user has not finished yet.")

        def _slow_down(self, row: dict[str, Any]) -> SimSlowDownError:
            interval = int(row["interval"])
            if dialect.slow_down_raises_interval:
                interval = store.raise_interval(row["id"], SLOW_DOWN_STEP)
            return SimSlowDownError(interval)

        def generate_token(
            self,
            user: Any = None,
            scope: Any = None,
            grant_type: Any = None,
            expires_in: Any = None,
            include_refresh_token: bool = True,
        ) -> Any:
            if (
                dialect.refresh_needs_offline_access
                and "offline_access" not in (scope or "").split()
            ):
                include_refresh_token = False
            return super().generate_token(
                user=user,
                scope=scope,
                grant_type=grant_type,
                expires_in=expires_in,
                include_refresh_token=include_refresh_token,
            )

    return SimDeviceCodeGrant


def build_refresh_grant(ctx: SimContext) -> type[RefreshTokenGrant]:
    store = ctx.store

    class SimRefreshTokenGrant(RefreshTokenGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = _token_methods(ctx)
        INCLUDE_NEW_REFRESH_TOKEN = True  # rotation (RFC 9700 §2.2.2 for public clients)

        def authenticate_refresh_token(self, refresh_token: str) -> SimToken | None:
            row = store.token_by_refresh(refresh_token)
            if row is None:
                return None
            if row["rotated"] and not row["grant_revoked_at"]:
                # Reuse of a rotated refresh token: revoke the family (RFC 9700 §4.14.2).
                store.revoke_grant(row["grant_id"], ctx.clock())
                return None
            if row["refresh_revoked"] or row["grant_revoked_at"]:
                return None
            return SimToken(row, ctx, matched="refresh")

        def authenticate_user(self, refresh_token: SimToken) -> dict[str, Any] | None:
            return store.get_user(refresh_token.row["username"])

        def create_token_response(self) -> Any:
            # Claim the old refresh token first so two racing refreshes cannot both win.
            if not store.rotate_out(self.request.refresh_token.id):
                raise InvalidGrantError("The refresh token was already used.")
            return super().create_token_response()

        def revoke_old_credential(self, refresh_token: SimToken) -> None:
            """Already rotated out in create_token_response."""

    return SimRefreshTokenGrant


def build_revocation_endpoint(ctx: SimContext) -> type[RevocationEndpoint]:
    store = ctx.store
    loose = ctx.dialect.revoke_without_client

    class SimRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
        CLIENT_AUTH_METHODS = ALL_METHODS

        def authenticate_endpoint_client(self, request: Any) -> SimClient | None:
            has_client = request.payload.data.get("client_id") or request.headers.get(
                "Authorization"
            )
            if loose and not has_client:
                request.client = None
                return None
            client: SimClient = super().authenticate_endpoint_client(request)
            return client

        def authenticate_token(self, request: Any, client: SimClient | None) -> SimToken | None:
            data = request.payload.data if loose else request.form
            if "token" not in data:
                raise InvalidRequestError("Missing 'token' parameter.")
            hint = data.get("token_type_hint")
            if hint and hint not in self.SUPPORTED_TOKEN_TYPES:
                from authlib.oauth2.rfc6749 import UnsupportedTokenTypeError

                raise UnsupportedTokenTypeError()
            token = self.query_token(data["token"], hint)
            if token is not None and client is not None and not token.check_client(client):
                # RFC 7009 §2.1: a token of another client is refused, not revoked.
                raise UnauthorizedClientError("The token belongs to another client.")
            return token

        def query_token(self, token_string: str, token_type_hint: str | None) -> SimToken | None:
            refresh_first = token_type_hint == "refresh_token"  # noqa: S105 - a hint name
            order = ["refresh", "access"] if refresh_first else ["access", "refresh"]
            for kind in order:
                finder = store.token_by_refresh if kind == "refresh" else store.token_by_access
                row = finder(token_string)
                if row is not None:
                    return SimToken(row, ctx, matched=kind)
            return None

        def revoke_token(self, token: SimToken, request: Any) -> None:
            if token.matched == "refresh":
                # Revoking a refresh token kills every token of its grant (RFC 7009 §2.1).
                store.revoke_grant(token.grant_id, ctx.clock())
            else:
                store.revoke_access(token.id)

    return SimRevocationEndpoint


def build_resource_protector(ctx: SimContext) -> ResourceProtector:
    class SimBearerValidator(BearerTokenValidator):  # type: ignore[misc]
        def authenticate_token(self, token_string: str) -> SimToken | None:
            row = ctx.store.token_by_access(token_string)
            return SimToken(row, ctx) if row else None

    protector = ResourceProtector()
    protector.register_token_validator(SimBearerValidator())
    return protector


def build_authorization_server(app: Flask, ctx: SimContext) -> SimAuthorizationServer:
    """Wire Authlib with our grants and endpoints for ``ctx``'s dialect."""
    ttl = ctx.config.token_ttl
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {DEVICE_CODE_GRANT_TYPE: ttl, "refresh_token": ttl}
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(ALL_SCOPES)
    server = SimAuthorizationServer(app, ctx)
    server.register_grant(build_device_grant(ctx))
    server.register_grant(build_refresh_grant(ctx))
    server.register_endpoint(build_device_endpoint(ctx))
    if ctx.dialect.revocation_path:
        server.register_endpoint(build_revocation_endpoint(ctx))
    return server
