"""The OAuth API as a Blueprint: device authorization, token, revocation, userinfo, discovery.

Paths follow the dialect, so ``api_blueprint(ctx)`` adds the rules; the views themselves are
plain functions that find the simulator's parts on ``current_app``.
"""

from __future__ import annotations

import json
from typing import Any, cast

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE
from flask import Blueprint, Response, current_app, jsonify, request

from . import dpop
from .context import SimContext, current_context
from .demo_data import ALL_SCOPES
from .oauth import SimAuthorizationServer, endpoint_name, render_oauth_error

FORM_TYPE = "application/x-www-form-urlencoded"
POST_API = ("device_authorization", "token", "revocation")
SERVER_KEY = "device_sim.server"
PROTECTOR_KEY = "device_sim.protector"


def metadata(ctx: SimContext) -> dict[str, Any]:
    """OIDC discovery / RFC 8414 metadata (only what the simulator really serves)."""
    ep = ctx.endpoints
    doc: dict[str, Any] = {
        "issuer": ctx.published_issuer,
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
    doc.update(dpop.metadata(ctx))
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


def api_paths(ctx: SimContext) -> set[str | None]:
    """Every path the API answers on (errors there are JSON, not HTML)."""
    d = ctx.dialect
    return {d.device_path, d.token_path, d.userinfo_path, d.revocation_path, *ctx.discovery_paths}


def _server() -> SimAuthorizationServer:
    return cast(SimAuthorizationServer, current_app.extensions[SERVER_KEY])


def _protector() -> ResourceProtector:
    return cast(ResourceProtector, current_app.extensions[PROTECTOR_KEY])


def _empty_revocation(ctx: SimContext, endpoint: str) -> bool:
    """Dialects that revoke without client authentication accept an empty body."""
    return endpoint == "revocation" and ctx.dialect.revoke_without_client and not request.data


def check_api_form() -> Response | None:
    """RFC 6749 §3.1: form-encoded bodies, no parameter repeated."""
    endpoint = endpoint_name()
    if endpoint not in POST_API or request.method != "POST":
        return None
    ctx = current_context()
    if request.mimetype != FORM_TYPE and not _empty_revocation(ctx, endpoint):
        return render_oauth_error(
            ctx,
            endpoint,
            InvalidRequestError("Send the parameters as application/x-www-form-urlencoded."),
        )
    for key in set(request.form.keys()) | set(request.args.keys()):
        if len(request.form.getlist(key)) + len(request.args.getlist(key)) > 1:
            return render_oauth_error(
                ctx, endpoint, InvalidRequestError(f"The parameter {key!r} appears more than once.")
            )
    return None


def device_authorization() -> Response:
    return cast(Response, _server().create_endpoint_response("device_authorization"))


def token() -> Response:
    return cast(Response, _server().create_token_response())


def revocation() -> Response:
    return cast(Response, _server().create_endpoint_response("revocation"))


def _bearer_error(error: OAuth2Error) -> Response:
    if error.error != "invalid_token":
        # RFC 6750 §3.1: no error code when the request carried no token at all.
        body = {
            "error": "invalid_request",
            "error_description": "Send the access token as Authorization: Bearer.",
        }
        return Response(
            json.dumps(body),
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


def userinfo() -> Response | tuple[Response, int]:
    try:
        tok = _protector().acquire_token()
    except OAuth2Error as error:
        return _bearer_error(error)
    user = tok.get_user()
    if user is None:
        return jsonify(error="invalid_token"), 401
    resp = jsonify(user_claims(current_context(), user, tok.get_scope()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def discovery() -> Response:
    return jsonify(metadata(current_context()))


def api_blueprint(ctx: SimContext) -> Blueprint:
    """The API routes at ``ctx``'s dialect paths."""
    d = ctx.dialect
    bp = Blueprint("api", __name__)
    bp.before_request(check_api_form)
    bp.add_url_rule(d.device_path, "device_authorization", device_authorization, methods=["POST"])
    bp.add_url_rule(d.token_path, "token", token, methods=["POST"])
    if d.revocation_path:
        bp.add_url_rule(d.revocation_path, "revocation", revocation, methods=["POST"])
    bp.add_url_rule(d.userinfo_path, "userinfo", userinfo, methods=["GET", "POST"])
    for i, path in enumerate(ctx.discovery_paths):
        bp.add_url_rule(path, "discovery" if i == 0 else f"discovery{i}", discovery)
    return bp
