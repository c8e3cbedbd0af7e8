"""The admin page and API: authorized devices, revocation, fault switching (this machine only)."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from .browser import check_csrf, csrf_token
from .context import SimContext
from .faults import FAULT_SPECS, FaultError


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def register_admin(app: Flask, ctx: SimContext) -> None:
    """Add /admin and /admin/api/*; every request must come from this machine."""

    @app.before_request
    def admin_is_local() -> None:
        if request.path.startswith("/admin") and not ctx.is_local(request.remote_addr):
            abort(403, "The admin pages only answer requests from this machine.")

    def grants() -> list[dict[str, Any]]:
        rows = ctx.store.list_grants()
        for row in rows:
            row["when"] = _when(row["approved_at"])
        return rows

    def admin_page(notice: str = "", error: str = "", status: int = 200) -> tuple[str, int]:
        html = render_template(
            "admin.html",
            dialect=ctx.dialect.name,
            issuer=ctx.issuer,
            grants=grants(),
            faults_json=json.dumps(ctx.faults.snapshot()),
            csrf=csrf_token(),
            fault_help=[(k, v[1]) for k, v in FAULT_SPECS.items()],
            notice=notice,
            error=error,
        )
        return html, status

    def admin_home() -> tuple[str, int]:
        return admin_page()

    def admin_revoke(grant_id: int) -> Any:
        check_csrf()
        if not ctx.store.revoke_grant(grant_id, ctx.clock()):
            return admin_page(
                error="That device was already revoked or does not exist.", status=404
            )
        return redirect("/admin", 303)

    def admin_faults_form() -> Any:
        check_csrf()
        if request.form.get("action") == "clear":
            ctx.faults.replace({})
            return redirect("/admin", 303)
        try:
            raw = json.loads(request.form.get("faults") or "{}")
            ctx.faults.replace(raw)
        except (ValueError, FaultError) as exc:
            return admin_page(error=f"Faults not changed: {exc}", status=400)
        return redirect("/admin", 303)

    def api_faults() -> Response | tuple[Response, int]:
        if request.method == "GET":
            return jsonify(ctx.faults.snapshot())
        if not request.is_json:
            return jsonify(error="send the fault set as application/json"), 415
        raw = request.get_json(silent=True)
        if raw is None:
            return jsonify(error="the body is not valid JSON"), 400
        try:
            return jsonify(ctx.faults.replace(raw))
        except FaultError as exc:
            return jsonify(error=str(exc)), 400

    def api_grants() -> Response:
        return jsonify(grants())

    def api_revoke(grant_id: int) -> Response | tuple[Response, int]:
        # JSON only, so a cross-site form cannot trigger it without a CORS preflight.
        if not request.is_json:
            return jsonify(error="send Content-Type: application/json"), 415
        if not ctx.store.revoke_grant(grant_id, ctx.clock()):
            return jsonify(error="no such active grant"), 404
        return jsonify(revoked=grant_id)

    app.add_url_rule("/admin", "admin", admin_home)
    app.add_url_rule("/admin/revoke/<int:grant_id>", "admin_revoke", admin_revoke, methods=["POST"])
    app.add_url_rule("/admin/faults", "admin_faults", admin_faults_form, methods=["POST"])
    app.add_url_rule("/admin/api/faults", "admin_api_faults", api_faults, methods=["GET", "PUT"])
    app.add_url_rule("/admin/api/grants", "admin_api_grants", api_grants)
    app.add_url_rule(
        "/admin/api/grants/<int:grant_id>/revoke", "admin_api_revoke", api_revoke, methods=["POST"]
    )
