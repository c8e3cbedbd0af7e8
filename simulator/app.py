"""The Flask application of one simulator: the API, verification and admin Blueprints."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, jsonify, request
from jinja2 import DictLoader
from werkzeug.exceptions import HTTPException

from . import dpop
from .admin import admin
from .api import PROTECTOR_KEY, SERVER_KEY, api_blueprint, api_paths
from .browser import verification_blueprint
from .context import SimContext, current_context
from .oauth import build_authorization_server, build_resource_protector
from .templates import TEMPLATES

# Form bodies of the device flow are a few hundred bytes; 64 KiB is generous.
MAX_BODY = 64 * 1024


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


def http_error(exc: HTTPException) -> Any:
    """JSON errors on API paths (also for unrouted requests), Flask's pages elsewhere."""
    if exc.response is not None:  # Authlib's 401 with WWW-Authenticate
        return exc.response
    if request.path in api_paths(current_context()):
        error = "invalid_request" if (exc.code or 500) < 500 else "server_error"
        return jsonify(error=error, error_description=exc.description), exc.code
    return exc


def home() -> tuple[str, int]:
    ctx = current_context()
    return (
        f"Device sign-in simulator ({ctx.dialect.name}). Verification page: "
        f"{ctx.endpoints['verification']}"
    ), 200


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
    ctx.install(app)
    dpop.install(app, ctx)  # before the server: it sets the access-token generator
    app.extensions[SERVER_KEY] = build_authorization_server(app, ctx)
    app.extensions[PROTECTOR_KEY] = build_resource_protector(ctx)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, http_error)
    app.register_blueprint(api_blueprint(ctx))
    app.register_blueprint(verification_blueprint(ctx))
    app.register_blueprint(admin)
    app.add_url_rule("/", "home", home)
    return app


def new_secret() -> str:
    return secrets.token_hex(32)


__all__ = ["create_app", "new_secret"]
