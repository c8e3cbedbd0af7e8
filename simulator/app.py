"""The Flask application of one simulator: API routes, discovery, pages, admin."""

from __future__ import annotations

import json
import secrets
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE
from flask import Flask, Response, jsonify, request
from jinja2 import DictLoader
from werkzeug.exceptions import HTTPException

from . import wire
from .admin import register_admin
from .browser import register_browser_pages
from .context import SimContext
from .demo_data import ALL_SCOPES
from .oauth import build_authorization_server, build_resource_protector, render_oauth_error
from .templates import TEMPLATES

# Form bodies of the device flow are a few hundred bytes; 64 KiB is generous.
MAX_BODY = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
POST_API = ("device_authorization", "token", "revocation")


def metadata(ctx: SimContext) -> dict[str, Any]:
    """OIDC discovery / RFC 8414 metadata (only what the simulator really serves)."""
    ep = ctx.endpoints
    doc: dict[str, Any] = {
        "issuer": ctx.issuer,
        "device_authorization_endpoint": ep["device_authorization"],
        "token_endpoint": ep["token"],
        "userinfo_endpoint": ep["userinfo"],
        "grant_types_supported": [DEVICE_CODE_GRANT_TYPE, "refresh_token"],
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["none"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": (
            ["client_secret_basic", "client_secret_post"]
            if ctx.dialect.token_requires_secret
            else ["client_secret_basic", "client_secret_post", "none"]
        ),
        "claims_supported": [
            "sub",
            "name",
            "preferred_username",
            "email",
            "email_verified",
            "favourite_show",
        ],
    }
    if ep["revocation"]:
        doc["revocation_endpoint"] = ep["revocation"]
        doc["revocation_endpoint_auth_methods_supported"] = doc[
            "token_endpoint_auth_methods_supported"
        ]
    return doc


def user_claims(ctx: SimContext, user: dict[str, Any], scope: str) -> dict[str, Any]:
    """What the userinfo API returns for ``user`` under ``scope``."""
    scopes = set(scope.split())
    if ctx.dialect.userinfo_style == "github":
        return {
            "login": user["username"],
            "id": int(user["sub"][-4:]),
            "name": user["name"],
            "email": user["email"],
            "favourite_show": user["favourite_show"],
        }
    claims: dict[str, Any] = {"sub": user["sub"]}
    if "profile" in scopes:
        claims.update(
            name=user["name"],
            preferred_username=user["username"],
            favourite_show=user["favourite_show"],
        )
    if "email" in scopes:
        claims.update(email=user["email"], email_verified=True)
    return claims


def create_app(ctx: SimContext, secret_key: str) -> Flask:
    """Build the Flask app for ``ctx`` (routes follow the dialect's paths)."""
    app = Flask("simulator")
    app.jinja_loader = DictLoader(TEMPLATES)
    app.config.update(
        SECRET_KEY=secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_NAME="sim_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    server = build_authorization_server(app, ctx)
    protector = build_resource_protector(ctx)
    d = ctx.dialect
    api_paths = {
        d.device_path,
        d.token_path,
        d.userinfo_path,
        d.revocation_path,
        *ctx.discovery_paths,
    }

    @app.before_request
    def check_api_form() -> Response | None:
        """RFC 6749 §3.1: form-encoded bodies, no parameter repeated."""
        if request.endpoint not in POST_API or request.method != "POST":
            return None
        mimetype = request.mimetype
        if mimetype != FORM_TYPE and not (
            request.endpoint == "revocation" and d.revoke_without_client and not request.data
        ):
            return render_oauth_error(
                ctx,
                request.endpoint or "",
                InvalidRequestError("Send the parameters as application/x-www-form-urlencoded."),
            )
        for key in set(request.form.keys()) | set(request.args.keys()):
            if len(request.form.getlist(key)) + len(request.args.getlist(key)) > 1:
                return render_oauth_error(
                    ctx,
                    request.endpoint or "",
                    InvalidRequestError(f"The parameter {key!r} appears more than once."),
                )
        return None

    @app.after_request
    def security_headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("X-Frame-Options", "DENY")
            resp.headers.setdefault("Cache-Control", "no-store")
            resp.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            )
        return resp

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.response is not None:  # Authlib's 401 with WWW-Authenticate
            return exc.response
        if request.path in api_paths:
            error = "invalid_request" if (exc.code or 500) < 500 else "server_error"
            return jsonify(error=error, error_description=exc.description), exc.code
        return exc

    def device_authorization() -> Response:
        return server.create_endpoint_response("device_authorization")  # type: ignore[no-any-return]

    def token() -> Response:
        return server.create_token_response()  # type: ignore[no-any-return]

    def revocation() -> Response:
        return server.create_endpoint_response("revocation")  # type: ignore[no-any-return]

    def userinfo() -> Response:
        try:
            tok = protector.acquire_token()
        except OAuth2Error as error:
            if error.error != "invalid_token":
                # RFC 6750 §3.1: no error code when the request carried no token at all.
                return Response(
                    json.dumps(
                        {
                            "error": "invalid_request",
                            "error_description": "Send the access token as Authorization: Bearer.",
                        }
                    ),
                    status=401,
                    mimetype="application/json",
                    headers={"WWW-Authenticate": 'Bearer realm="simulator"'},
                )
            # 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1).
            return Response(
                json.dumps(dict(error.get_body())),
                status=error.status_code,
                headers=error.get_headers(),
                mimetype="application/json",
            )
        user = tok.get_user()
        if user is None:
            return jsonify(error="invalid_token"), 401  # type: ignore[return-value]
        resp = jsonify(user_claims(ctx, user, tok.get_scope()))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def discovery() -> Response:
        return jsonify(metadata(ctx))

    app.add_url_rule(d.device_path, "device_authorization", device_authorization, methods=["POST"])
    app.add_url_rule(d.token_path, "token", token, methods=["POST"])
    if d.revocation_path:
        app.add_url_rule(d.revocation_path, "revocation", revocation, methods=["POST"])
    app.add_url_rule(d.userinfo_path, "userinfo", userinfo, methods=["GET", "POST"])
    for i, path in enumerate(ctx.discovery_paths):
        app.add_url_rule(path, "discovery" if i == 0 else f"discovery{i}", discovery)

    register_browser_pages(app, ctx)
    register_admin(app, ctx)

    @app.route("/")
    def home() -> tuple[str, int]:
        return (
            f"Device sign-in simulator ({d.name}). Verification page: "
            f"{ctx.endpoints['verification']}"
        ), 200

    return app


def new_secret() -> str:
    return secrets.token_hex(32)


__all__ = ["create_app", "metadata", "new_secret", "user_claims", "wire"]
