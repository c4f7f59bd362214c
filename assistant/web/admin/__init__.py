"""The curators' area ``/admin``: sign-in, the inbox of unanswered questions, insight, the
key-question cards to re-check, users.

Only here is there a cookie: the session cookie, set on the ``/admin`` path alone,
HttpOnly, SameSite=Strict, Secure behind https, without an expiry date (the browser
drops it when it closes) and backed by a server-side session with an idle timeout of
``PAIR_ADMIN_SESSION_MINUTES``. Every form carries the session's CSRF token; a POST
without it is refused. Pages redirect to the sign-in page when signed out; JSON under
``/admin/api/`` answers 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, g, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from assistant.store import accounts
from assistant.store.accounts import Session
from assistant.web import settings
from assistant.web.errors import error_response
from assistant.web.feedback import store

bp = Blueprint("admin", __name__, url_prefix="/admin")
COOKIE = "pair_admin"
OPEN = {"admin.login", "admin.login_post", "admin.oidc_login", "admin.oidc_callback"}
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    from assistant.web.admin import cards, inbox, insight, people, signin

    del cards, inbox, insight, people  # their views attach to bp on import
    signin.init_app(app)
    app.register_blueprint(bp)


def cookie_options() -> dict[str, Any]:
    return {"path": "/admin", "httponly": True, "samesite": "Strict", "secure": request.is_secure}


def current() -> Session:
    session: Session = g.admin_session
    return session


def actor() -> str:
    return current().user.email


def wants_json() -> bool:
    return request.path.startswith("/admin/api/") or request.path.endswith((".json", ".csv"))


@bp.before_request
def _guard() -> Response | tuple[Response | str, int] | None:
    token = request.cookies.get(COOKIE, "")
    g.admin_session = (
        accounts.find_session(store(), token, settings().admin_session_minutes) if token else None
    )
    if request.endpoint in OPEN:
        return None
    if g.admin_session is None:
        if wants_json():
            return error_response(401, "sign_in_required", "Sign in at /admin/login first.")
        target = request.full_path if request.method == "GET" else None
        return cast(
            Response, redirect(url_for("admin.login", next=target, expired=1 if token else None))
        )
    if request.method == "POST" and not _csrf_ok(current().csrf):
        return error_response(
            400, "csrf_failed", "This form has expired. Go back, reload the page and try again."
        )
    return None


def _csrf_ok(expected: str) -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(SQLAlchemyError)
def _database_down(exc: SQLAlchemyError) -> tuple[Response | str, int]:
    return error_response(
        503, "database_unavailable", "The database is unavailable just now. Try again shortly."
    )


def admin_only(view: F) -> F:
    """Views that manage accounts or read the audit log: administrators only."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current().user.is_admin:
            return error_response(403, "forbidden", "Only administrators can manage accounts.")
        return view(*args, **kwargs)

    return cast(F, wrapped)
