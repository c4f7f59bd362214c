"""Single sign-on with OpenID Connect, end to end against a local identity provider.

The provider is a small HTTP server in the test: a discovery document, a signing key
(JWKS) and a token endpoint that issues an RS256 ID token for the code it is given. The
app talks to it over real HTTP with Authlib, which checks the state, nonce and signature.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import RSAKey

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.store import accounts
from assistant.store.database import get_store
from assistant.web import create_app

CLIENT_ID, SECRET = "pair-test-client", "pair-test-secret"


class Provider(BaseHTTPRequestHandler):
    key: ClassVar[Any] = None
    issuer: ClassVar[str] = ""
    email: ClassVar[str] = ""
    nonce: ClassVar[str] = ""

    def _json(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/.well-known/openid-configuration":
            self._json({
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            })  # fmt: skip
        elif self.path == "/jwks":
            self._json({"keys": [self.key.as_dict(private=False)]})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        if self.path != "/token" or form.get("code") != ["good-code"]:
            self.send_error(400)
            return
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "u1", "email": self.email,
                  "nonce": self.nonce, "iat": now, "exp": now + 300}  # fmt: skip
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        self._json({"access_token": "at", "token_type": "Bearer", "id_token": token})

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    Provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    Provider.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Provider.issuer
    server.shutdown()
    server.server_close()


@pytest.fixture()
def sso_app(settings: Settings, engine: Engine, tmp_path: Path, provider: str) -> Flask:
    own = replace(
        settings,
        instance_dir=tmp_path,
        oidc_issuer=provider,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=SECRET,
    )
    get_store(own).upgrade()
    accounts.add_user(get_store(own), "sso@trust.nhs.uk", "curator", None)
    return create_app({"TESTING": True}, settings=own)


def start(client: Any) -> dict[str, str]:
    """Follow /admin/sso to the provider; the query it sends there."""
    response = client.get("/admin/sso")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("pair_admin_sso=") and "Path=/admin" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    where = urlsplit(response.headers["Location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == Provider.issuer + "/authorize"
    return {k: v[0] for k, v in parse_qs(where.query).items()}


def test_sign_in_with_single_sign_on(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert "Sign in with your organisation account" in client.get("/admin/login").get_data(
        as_text=True
    )
    query = start(client)
    assert query["client_id"] == CLIENT_ID and "openid" in query["scope"]
    assert query["redirect_uri"] == "http://localhost/admin/sso/callback"
    Provider.email, Provider.nonce = "SSO@trust.nhs.uk", query["nonce"]
    done = client.get(f"/admin/sso/callback?code=good-code&state={query['state']}")
    assert done.status_code == 303 and done.headers["Location"] == "/admin/inbox"
    assert client.get("/admin/inbox").status_code == 200
    store = get_store(sso_app.extensions["pair.settings"])
    assert accounts.audit_log(store)[0].action == "sign_in"


def test_an_unknown_person_is_not_signed_in(sso_app: Flask) -> None:
    client = sso_app.test_client()
    query = start(client)
    Provider.email, Provider.nonce = "stranger@elsewhere.org", query["nonce"]
    response = client.get(f"/admin/sso/callback?code=good-code&state={query['state']}")
    assert response.status_code == 403
    assert "no curator account for stranger@elsewhere.org" in response.get_data(as_text=True)
    assert client.get("/admin/inbox").status_code == 302


@pytest.mark.parametrize("problem", ["state", "nonce"])
def test_a_forged_state_or_nonce_is_refused(sso_app: Flask, problem: str) -> None:
    client = sso_app.test_client()
    query = start(client)
    Provider.email = "sso@trust.nhs.uk"
    Provider.nonce = "forged" if problem == "nonce" else query["nonce"]
    state = "forged" if problem == "state" else query["state"]
    response = client.get(f"/admin/sso/callback?code=good-code&state={state}")
    assert response.status_code == 401
    assert "Single sign-on did not complete" in response.get_data(as_text=True)
    assert client.get("/admin/inbox").status_code == 302


def test_without_settings_there_is_no_single_sign_on(client: Any) -> None:
    assert client.get("/admin/sso").status_code == 404
    assert "organisation account" not in client.get("/admin/login").get_data(as_text=True)
