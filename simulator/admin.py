"""The admin page and API as a Blueprint: devices, revocation, faults (this machine only)."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from .browser import check_csrf, csrf_token
from .context import current_context
from .faults import FAULT_SPECS, FaultError


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def admin_is_local() -> None:
    """Every /admin request, routed or not, must come from this machine."""
    if request.path.startswith("/admin") and not current_context().is_local(request.remote_addr):
        abort(403, "The admin pages only answer requests from this machine.")


def grants() -> list[dict[str, Any]]:
    rows = current_context().store.list_grants()
    for row in rows:
        row["when"] = _when(row["approved_at"])
    return rows


def admin_page(notice: str = "", error: str = "", status: int = 200) -> tuple[str, int]:
    ctx = current_context()
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
    ctx = current_context()
    if not ctx.store.revoke_grant(grant_id, ctx.clock()):
        return admin_page(error="That device was already revoked or does not exist.", status=404)
    return redirect("/admin", 303)


def admin_faults_form() -> Any:
    check_csrf()
    faults = current_context().faults
    if request.form.get("action") == "clear":
        faults.replace({})
        return redirect("/admin", 303)
    try:
        raw = json.loads(request.form.get("faults") or "{}")
        faults.replace(raw)
    except (ValueError, FaultError) as exc:
        return admin_page(error=f"Faults not changed: {exc}", status=400)
    return redirect("/admin", 303)


def api_faults() -> Response | tuple[Response, int]:
    faults = current_context().faults
    if request.method == "GET":
        return jsonify(faults.snapshot())
    if not request.is_json:
        return jsonify(error="send the fault set as application/json"), 415
    raw = request.get_json(silent=True)
    if raw is None:
        return jsonify(error="the body is not valid JSON"), 400
    try:
        return jsonify(faults.replace(raw))
    except FaultError as exc:
        return jsonify(error=str(exc)), 400


def api_grants() -> Response:
    return jsonify(grants())


def api_revoke(grant_id: int) -> Response | tuple[Response, int]:
    # JSON only, so a cross-site form cannot trigger it without a CORS preflight.
    if not request.is_json:
        return jsonify(error="send Content-Type: application/json"), 415
    ctx = current_context()
    if not ctx.store.revoke_grant(grant_id, ctx.clock()):
        return jsonify(error="no such active grant"), 404
    return jsonify(revoked=grant_id)


admin = Blueprint("admin", __name__, url_prefix="/admin")
# An app-wide hook, so that unknown /admin paths are refused to strangers too (403, not 404).
admin.before_app_request(admin_is_local)
admin.add_url_rule("", "home", admin_home)
admin.add_url_rule("/revoke/<int:grant_id>", "revoke", admin_revoke, methods=["POST"])
admin.add_url_rule("/faults", "faults", admin_faults_form, methods=["POST"])
admin.add_url_rule("/api/faults", "api_faults", api_faults, methods=["GET", "PUT"])
admin.add_url_rule("/api/grants", "api_grants", api_grants)
admin.add_url_rule("/api/grants/<int:grant_id>/revoke", "api_revoke", api_revoke, methods=["POST"])
