"""Signing in and out: a password form (and single sign-on when configured)."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assistant.store import accounts
from assistant.web import settings
from assistant.web.admin import COOKIE, actor, bp, cookie_options
from assistant.web.feedback import store

LOGIN_COOKIE = "pair_admin_login"  # the sign-in form's CSRF token, double-submitted


def init_app(app: Flask) -> None:
    from assistant.web.admin import oidc

    oidc.init_app(app)


def _safe_next(value: str | None) -> str:
    """Only a path inside /admin: never an open redirect."""
    if value and value.startswith("/admin") and not value.startswith("/admin//"):
        return value
    return url_for("admin.inbox")


def _form(status: int = 200, error: str | None = None, email: str = "") -> tuple[Response, int]:
    from assistant.web.admin.oidc import enabled

    token = secrets.token_urlsafe(32)
    page = render_template(
        "admin/login.html",
        csrf=token,
        error=error,
        email=email,
        next=request.values.get("next", ""),
        expired=request.args.get("expired") == "1",
        sso=enabled(),
    )
    response = Response(page, status=status, mimetype="text/html")
    response.set_cookie(LOGIN_COOKIE, token, **cookie_options())
    return response, status


@bp.get("/login")
def login() -> tuple[Response, int]:
    return _form()


@bp.post("/login")
def login_post() -> WerkzeugResponse | tuple[Response, int]:
    sent, kept = request.form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        return _form(400, "The sign-in form had expired. Please try again.")
    email, password = request.form.get("email", "").strip(), request.form.get("password", "")
    address = request.remote_addr or "unknown"
    try:
        user = accounts.authenticate(store(), email, password, address)
    except accounts.SignInRefused as exc:
        return _form(exc.status, str(exc), email)
    return sign_in(user, request.form.get("next"))


def sign_in(user: accounts.User, next_path: str | None) -> WerkzeugResponse:
    """Start a session for ``user`` and go on to ``next_path`` (inside /admin)."""
    token = accounts.start_session(store(), user, settings().admin_session_minutes)
    accounts.record(store(), user.email, "sign_in")
    response = redirect(_safe_next(next_path), code=303)
    response.set_cookie(COOKIE, token, **cookie_options())
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    accounts.record(store(), actor(), "sign_out")
    accounts.end_session(store(), request.cookies.get(COOKIE, ""))
    response = redirect(url_for("admin.login"), code=303)
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="Strict")
    return response


@bp.get("/")
def home() -> WerkzeugResponse:
    return redirect(url_for("admin.inbox"))
