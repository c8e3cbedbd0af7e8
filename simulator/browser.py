"""The pages a person sees on the phone: enter code, sign in, approve or deny."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from .context import SimContext
from .demo_data import SCOPE_WORDS
from .ratelimit import RateLimiter
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


def register_browser_pages(app: Flask, ctx: SimContext) -> None:
    """Add the verification pages under the dialect's verification path."""
    base = ctx.dialect.verification_path
    limiter = RateLimiter()
    keepcase = ctx.dialect.code_match == "case_sensitive"
    shape = ctx.dialect.user_code
    placeholder = shape.sep.join("X" * n for n in shape.groups)

    def current_user() -> dict[str, Any] | None:
        name = session.get("user")
        return ctx.store.get_user(name) if name else None

    def page(template: str, status: int = 200, **kw: Any) -> tuple[str, int]:
        html = render_template(
            template,
            base=base,
            csrf=csrf_token(),
            user=current_user(),
            dialect=ctx.dialect.name,
            **kw,
        )
        return html, status

    def message(
        title: str, lines: list[str], status: int, tone: str = "", again: bool = True
    ) -> tuple[str, int]:
        return page(
            "message.html",
            status,
            title=title,
            lines=lines,
            tone=tone,
            again=base if again else None,
        )

    def too_many(key: str) -> tuple[str, int]:
        wait = limiter.retry_after(key)
        return message(
            "Too many tries",
            [
                "You entered too many wrong codes or passwords.",
                f"Wait {wait} seconds, then try again.",
            ],
            429,
        )

    def device_view(row: dict[str, Any]) -> dict[str, Any]:
        client = ctx.store.get_client(row["client_id"]) or {}
        return {
            "client_name": client.get("client_name", row["client_id"]),
            "device_name": row["device_name"],
            "user_code": row["user_code"],
        }

    def unusable(row: dict[str, Any]) -> tuple[str, int] | None:
        """A clear page for codes that can no longer be used, else None."""
        if row["status"] != "pending" or row["consumed_at"] is not None:
            return message(
                "Code already used",
                [
                    "This code has already been used.",
                    "Start again on your device to get a new code.",
                ],
                410,
            )
        if row["expires_at"] <= ctx.clock():
            return message(
                "Code expired",
                [
                    "This code has expired.",
                    "Start again on your device to get a new code.",
                ],
                410,
            )
        return None

    def enter_code() -> Any:
        key = "ip:" + (request.remote_addr or "?")
        if limiter.blocked(key):
            return too_many(key)
        if request.method == "GET":
            typed = request.args.get("user_code", "")[:MAX_TYPED_CODE]
            return page("code.html", user_code=typed, keepcase=keepcase, placeholder=placeholder)
        check_csrf()
        typed = request.form.get("user_code", "")[:MAX_TYPED_CODE]
        row = ctx.store.device_by_user_code(normalize_user_code(typed, ctx.dialect.code_match))
        if row is None:
            if limiter.fail(key):
                return too_many(key)
            return page(
                "code.html",
                400,
                user_code=typed,
                keepcase=keepcase,
                placeholder=placeholder,
                error="That code is not right. Check the code on your device.",
            )
        bad = unusable(row)
        if bad is not None:
            return bad
        session["device_id"] = row["id"]
        return redirect(base + ("/confirm" if current_user() else "/login"), 303)

    def login() -> Any:
        key = "ip:" + (request.remote_addr or "?")
        row = ctx.store.device_by_id(int(session.get("device_id") or 0))
        device = device_view(row) if row else None
        if limiter.blocked(key):
            return too_many(key)
        if request.method == "GET":
            return page("login.html", device=device, username="", demo_users=ctx.store.list_users())
        check_csrf()
        username = request.form.get("username", "").strip().lower()[:64]
        password = request.form.get("password", "")[:256]
        user = ctx.store.get_user(username)
        if user is None or not check_password_hash(user["password_hash"], password):
            if limiter.fail(key):
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
        return redirect(base + ("/confirm" if row else ""), 303)

    def confirm() -> Any:
        user = current_user()
        row = ctx.store.device_by_id(int(session.get("device_id") or 0))
        if row is None:
            return redirect(base, 303)
        if user is None:
            return redirect(base + "/login", 303)
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
        if not ctx.store.decide(row["id"], user["username"], decision == "approve", ctx.clock()):
            return message(
                "Code no longer valid",
                [
                    "This code expired or was used while you were deciding.",
                    "Start again on your device to get a new code.",
                ],
                410,
            )
        if decision == "approve":
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
        return redirect(base, 303)

    app.add_url_rule(base, "verify", enter_code, methods=["GET", "POST"])
    app.add_url_rule(base + "/login", "verify_login", login, methods=["GET", "POST"])
    app.add_url_rule(base + "/confirm", "verify_confirm", confirm, methods=["GET", "POST"])
    app.add_url_rule(base + "/logout", "verify_logout", logout, methods=["POST"])
