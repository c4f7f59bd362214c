"""Single sign-on with OpenID Connect (for example Microsoft Entra ID), with Authlib.

On when ``PAIR_OIDC_ISSUER``, ``PAIR_OIDC_CLIENT_ID`` and ``PAIR_OIDC_CLIENT_SECRET`` are
all set. The issuer's discovery document names the endpoints and keys; Authlib checks the
state, the nonce and the ID token's signature, issuer, audience and expiry. The signed-in
email must belong to an enabled local account, which gives the role: single sign-on proves
who someone is, the account list says what they may do. Authlib keeps the state and nonce
in Flask's signed session cookie, named ``pair_admin_sso``, on ``/admin`` only, SameSite=Lax
(the identity provider's redirect back is a cross-site navigation), for the sign-in only.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assistant.errors import NotFound
from assistant.store import accounts
from assistant.store.database import secret_key
from assistant.web import settings
from assistant.web.admin import bp
from assistant.web.feedback import store


def enabled() -> bool:
    s = settings()
    return bool(s.oidc_issuer and s.oidc_client_id and s.oidc_client_secret)


def init_app(app: Flask) -> None:
    config = app.extensions["pair.settings"]
    if not (config.oidc_issuer and config.oidc_client_id and config.oidc_client_secret):
        return
    # Authlib is imported only when single sign-on is on: a fifth of a second of every
    # server start otherwise.
    from authlib.integrations.flask_client import OAuth

    app.secret_key = secret_key(config)
    app.config.update(
        SESSION_COOKIE_NAME="pair_admin_sso",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=600,
    )
    oauth = OAuth(app)
    oauth.register(
        "sso",
        client_id=config.oidc_client_id,
        client_secret=config.oidc_client_secret,
        server_metadata_url=config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    app.extensions["pair.oidc"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("pair.oidc")
    if oauth is None:
        abort(404)
    return oauth.sso


@bp.get("/sso")
def oidc_login() -> Response:
    client = _client()
    current_app.config["SESSION_COOKIE_SECURE"] = request.is_secure
    response: Response = client.authorize_redirect(url_for("admin.oidc_callback", _external=True))
    return response


@bp.get("/sso/callback")
def oidc_callback() -> WerkzeugResponse | tuple[Response, int]:
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError

    from assistant.web.admin.signin import _form, sign_in

    client = _client()
    try:
        token = client.authorize_access_token()
    except (OAuthError, JoseError, ValueError) as exc:
        return _form(401, f"Single sign-on did not complete ({getattr(exc, 'error', 'error')}).")
    claims = token.get("userinfo") or {}
    email = str(claims.get("email") or claims.get("preferred_username") or "")
    try:
        user = accounts.get_user(store(), email)
    except NotFound:
        return _form(403, f"There is no curator account for {email or 'that sign-in'}.")
    if user.disabled:
        return _form(403, "This account is disabled. Ask an administrator.")
    return sign_in(user, None)
