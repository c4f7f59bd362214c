"""Accounts and the audit log, for administrators."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assistant.store import accounts
from assistant.web.admin import actor, admin_only, bp
from assistant.web.feedback import store


@bp.get("/users")
@admin_only
def users() -> str:
    return render_template("admin/users.html", users=accounts.list_users(store()))


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
@admin_only
def set_state(user_id: int, action: str) -> WerkzeugResponse:
    found = {u.id: u for u in accounts.list_users(store())}.get(user_id)
    if found is not None and found.email != actor():  # never lock oneself out
        accounts.set_disabled(store(), found.email, action == "disable")
        accounts.record(store(), actor(), f"{action}_user", found.email)
    return redirect(url_for("admin.users"), code=303)


@bp.get("/audit")
@admin_only
def audit() -> str:
    return render_template("admin/audit.html", entries=accounts.audit_log(store()))
