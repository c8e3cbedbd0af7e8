"""The pages a person sees on the phone, as a Blueprint: enter code, sign in, approve or deny."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from .context import SimContext, current_context
from .demo_data import SCOPE_WORDS
from .usercodes import normalize_user_code

MAX_TYPED_CODE = 24  # longest code a person could mean, dashes and spaces included


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, "The form expired or came from another site. Reload the page and try again.")


def _base() -> str:
    return current_context().dialect.verification_path


def _client_key() -> str:
    return "ip:" + (request.remote_addr or "?")


def current_user() -> dict[str, Any] | None:
    name = session.get("user")
    return current_context().store.get_user(name) if name else None


def page(template: str, status: int = 200, **kw: Any) -> tuple[str, int]:
    html = render_template(
        template,
        base=_base(),
        csrf=csrf_token(),
        user=current_user(),
        dialect=current_context().dialect.name,
        **kw,
    )
    return html, status


def code_page(typed: str, status: int = 200, **kw: Any) -> tuple[str, int]:
    """The enter-the-code page, with the dialect's code shape as a hint."""
    dialect = current_context().dialect
    shape = dialect.user_code
    return page(
        "code.html",
        status,
        user_code=typed,
        keepcase=dialect.code_match == "case_sensitive",
        placeholder=shape.sep.join("X" * n for n in shape.groups),
        **kw,
    )


def message(
    title: str, lines: list[str], status: int, tone: str = "", again: bool = True
) -> tuple[str, int]:
    return page(
        "message.html",
        status,
        title=title,
        lines=lines,
        tone=tone,
        again=_base() if again else None,
    )


def too_many(key: str) -> tuple[str, int]:
    wait = current_context().limiter.retry_after(key)
    return message(
        "Too many tries",
        [
            "You entered too many wrong codes or passwords.",
            f"Wait {wait} seconds, then try again.",
        ],
        429,
    )


def device_view(row: dict[str, Any]) -> dict[str, Any]:
    client = current_context().store.get_client(row["client_id"]) or {}
    return {
        "client_name": client.get("client_name", row["client_id"]),
        "device_name": row["device_name"],
        "user_code": row["user_code"],
    }


def _start_again(title: str, first: str) -> tuple[str, int]:
    return message(title, [first, "Start again on your device to get a new code."], 410)


def unusable(row: dict[str, Any]) -> tuple[str, int] | None:
    """A clear page for codes that can no longer be used, else None."""
    if row["status"] != "pending" or row["consumed_at"] is not None:
        return _start_again("Code already used", "This code has already been used.")
    if row["expires_at"] <= current_context().clock():
        return _start_again("Code expired", "This code has expired.")
    return None


def _pending_device() -> dict[str, Any] | None:
    return current_context().store.device_by_id(int(session.get("device_id") or 0))


def enter_code() -> Any:
    ctx, key = current_context(), _client_key()
    if ctx.limiter.blocked(key):
        return too_many(key)
    if request.method == "GET":
        return code_page(request.args.get("user_code", "")[:MAX_TYPED_CODE])
    check_csrf()
    typed = request.form.get("user_code", "")[:MAX_TYPED_CODE]
    row = ctx.store.device_by_user_code(normalize_user_code(typed, ctx.dialect.code_match))
    if row is None:
        if ctx.limiter.fail(key):
            return too_many(key)
        return code_page(typed, 400, error="That code is not right. Check the code on your device.")
    bad = unusable(row)
    if bad is not None:
        return bad
    session["device_id"] = row["id"]
    return redirect(_base() + ("/confirm" if current_user() else "/login"), 303)


def login() -> Any:
    ctx, key = current_context(), _client_key()
    row = _pending_device()
    device = device_view(row) if row else None
    if ctx.limiter.blocked(key):
        return too_many(key)
    if request.method == "GET":
        return page("login.html", device=device, username="", demo_users=ctx.store.list_users())
    check_csrf()
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")[:256]
    user = ctx.store.get_user(username)
    if user is None or not check_password_hash(user["password_hash"], password):
        if ctx.limiter.fail(key):
            return too_many(key)
        return page(
            "login.html",
            401,
            device=device,
            username=username,
            demo_users=ctx.store.list_users(),
            error="Wrong user name or password.",
        )
    session["user"] = username
    session["csrf"] = secrets.token_urlsafe(32)  # new session, new token
    return redirect(_base() + ("/confirm" if row else ""), 303)


def confirm() -> Any:
    user = current_user()
    row = _pending_device()
    if row is None:
        return redirect(_base(), 303)
    if user is None:
        return redirect(_base() + "/login", 303)
    bad = unusable(row)
    if bad is not None:
        session.pop("device_id", None)
        return bad
    if request.method == "GET":
        scopes = [SCOPE_WORDS.get(s, s) for s in str(row["scope"]).split()]
        return page("confirm.html", device=device_view(row), scopes=scopes)
    check_csrf()
    decision = request.form.get("decision")
    if decision not in ("approve", "deny"):
        abort(400, "Choose Allow or Deny.")
    session.pop("device_id", None)
    return decided(row, user, decision == "approve")


def decided(row: dict[str, Any], user: dict[str, Any], approve: bool) -> tuple[str, int]:
    """Record the person's decision on ``row`` and say what happened."""
    ctx = current_context()
    if not ctx.store.decide(row["id"], user["username"], approve, ctx.clock()):
        return message(
            "Code no longer valid",
            [
                "This code expired or was used while you were deciding.",
                "Start again on your device to get a new code.",
            ],
            410,
        )
    if approve:
        return message(
            "Device connected",
            [
                f"{device_view(row)['client_name']} is now connected to your account.",
                "You can put your phone away; your device will continue by itself.",
            ],
            200,
            tone="ok",
            again=False,
        )
    return message(
        "Request denied",
        [
            "You denied the request. The device was not connected.",
        ],
        200,
        again=False,
    )


def logout() -> Response:
    check_csrf()
    session.pop("user", None)
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(_base(), 303)


def verification_blueprint(ctx: SimContext) -> Blueprint:
    """The verification pages under ``ctx``'s dialect verification path."""
    base = ctx.dialect.verification_path
    bp = Blueprint("verify", __name__)
    bp.add_url_rule(base, "enter_code", enter_code, methods=["GET", "POST"])
    bp.add_url_rule(base + "/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule(base + "/confirm", "confirm", confirm, methods=["GET", "POST"])
    bp.add_url_rule(base + "/logout", "logout", logout, methods=["POST"])
    return bp
