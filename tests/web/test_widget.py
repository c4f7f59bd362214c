"""The widget's server side: origins, framing headers, CORS, rate limits and the loader."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse as Response

from assistant.config import Settings, describe, load_settings
from assistant.errors import ConfigError
from assistant.origins import parse_origins
from assistant.search.engine import Engine
from assistant.web import create_app

HOST = "https://intranet.example.nhs.uk"
OTHER = "https://elsewhere.example.org"


@pytest.fixture()
def widget_app(settings: Settings, engine: Engine) -> Flask:
    config = settings.replace(
        embed_allowed_origins=(HOST,), rate_limit="3/minute", lookup_rate_limit="3/minute"
    )
    return create_app({"TESTING": True}, settings=config)


@pytest.fixture()
def wclient(widget_app: Flask) -> FlaskClient:
    return widget_app.test_client()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        (" https://Intranet.Example.NHS.uk/ ", ("https://intranet.example.nhs.uk",)),
        ("http://127.0.0.2:8001, https://a.nhs.uk:443,,", ("http://127.0.0.2:8001", "https://a.nhs.uk")),
        ("https://a.nhs.uk,https://a.nhs.uk", ("https://a.nhs.uk",)),
    ],
)  # fmt: skip
def test_origins_are_parsed_to_the_form_browsers_send(raw: str, expected: tuple[str, ...]) -> None:
    assert parse_origins(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("*", "wildcards are not allowed"),
        ("https://*.nhs.uk", "wildcards are not allowed"),
        ("intranet.nhs.uk", "must look like https://"),
        ("ftp://intranet.nhs.uk", "must look like https://"),
        ("https://intranet.nhs.uk/news", "must not have a path"),
        ("https://intranet.nhs.uk; script-src *", "wildcards"),
        ("https://intranet.nhs.uk;x", "must look like https://"),
        ("https://intranet.nhs.uk:99999", "not a valid origin"),
        ("null", "must look like https://"),
    ],
)
def test_bad_origins_are_refused(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_origins(raw)


def test_origins_setting_comes_from_the_environment() -> None:
    env = {"PAIR_EMBED_ALLOWED_ORIGINS": f"{HOST}, {OTHER}"}
    assert load_settings(env=env).embed_allowed_origins == (HOST, OTHER)
    with pytest.raises(ConfigError, match="wildcards"):
        load_settings(env={"PAIR_EMBED_ALLOWED_ORIGINS": "*"})
    rows = {name: default for name, default, _ in describe()}
    assert rows["PAIR_EMBED_ALLOWED_ORIGINS"] == ""
    assert rows["PAIR_RATE_LIMIT_STORAGE"] == "memory://"


def test_embed_may_be_framed_by_allowed_hosts_only(wclient: FlaskClient) -> None:
    csp = wclient.get("/embed").headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {HOST}" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for path in ("/", "/embed/setup", "/widget/v1.js"):
        assert "frame-ancestors 'none'" in wclient.get(path).headers["Content-Security-Policy"]


def test_embed_sets_no_cookie_and_trusts_only_allowed_parents(wclient: FlaskClient) -> None:
    allowed = wclient.get(f"/embed?host={HOST}&theme=govuk&title=Ask+us")
    assert "Set-Cookie" not in allowed.headers
    page = allowed.get_data(as_text=True)
    assert f'data-parent-origin="{HOST}"' in page
    assert 'class="embed theme-govuk"' in page and "<title>Ask us</title>" in page
    refused = wclient.get(f"/embed?host={OTHER}&theme=<x>").get_data(as_text=True)
    assert 'data-parent-origin=""' in refused and "theme-nhs" in refused


def test_embed_works_without_javascript(wclient: FlaskClient) -> None:
    answer = wclient.post("/embed", data={"message": "How can a parent-infant team be funded?"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'class="source citation"' in page and 'target="_blank"' in page
    empty = wclient.post("/embed", data={"message": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.get_data(as_text=True)


def test_loader_is_javascript_cached_and_pinned_by_the_setup_page(wclient: FlaskClient) -> None:
    script = wclient.get("/widget/v2.js")
    assert script.mimetype == "text/javascript"
    assert "max-age=86400" in script.headers["Cache-Control"]
    digest = base64.b64encode(hashlib.sha384(script.data).digest()).decode()
    setup = wclient.get("/embed/setup", base_url="https://assistant.example.org")
    page = setup.get_data(as_text=True)
    assert f"sha384-{digest}" in page
    assert "https://assistant.example.org/widget/v2.js" in page
    assert "frame-src https://assistant.example.org;" in page
    assert HOST in page


# SHA-384 of the published version 1 loader: hosts pin these bytes, so they never change.
V1_SRI = "sha384-SayAOnVuH1ebGDjdJU7pSrAK5NR6mHrYXr7q1tbqzOcYce4Bj/kFXuk0610HxDwl"


def test_published_loader_versions_keep_their_bytes(wclient: FlaskClient) -> None:
    v1 = wclient.get("/widget/v1.js")
    assert v1.status_code == 200
    assert "sha384-" + base64.b64encode(hashlib.sha384(v1.data).digest()).decode() == V1_SRI
    assert wclient.get("/widget/v3.js").status_code == 404


def test_cors_echoes_allowed_origins_exactly(wclient: FlaskClient) -> None:
    response = wclient.get("/api/search?q=funding", headers={"Origin": HOST})
    assert response.headers["Access-Control-Allow-Origin"] == HOST
    assert "Origin" in response.headers["Vary"]
    preflight = wclient.options(
        "/api/ask", headers={"Origin": HOST, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    same = wclient.get("/api/passages/nope", headers={"Origin": "http://localhost"})
    assert same.status_code == 404 and "Access-Control-Allow-Origin" not in same.headers


def test_other_origins_are_refused_the_api(wclient: FlaskClient) -> None:
    response = wclient.post("/api/ask", json={"message": "funding"}, headers={"Origin": OTHER})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    script = wclient.get("/widget/v1.js", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in script.headers


def test_api_is_rate_limited_per_origin_with_the_error_shape(wclient: FlaskClient) -> None:
    def call() -> Response:
        return wclient.get("/api/passages/nope", headers={"Origin": HOST})

    assert [call().status_code for _ in range(3)] == [404, 404, 404]
    limited = call()
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert limited.headers["Access-Control-Allow-Origin"] == HOST
    assert "Retry-After" in limited.headers
    assert wclient.get("/api/passages/nope").status_code == 404  # this site has its own count
    assert wclient.get("/healthz").status_code == 200  # not under /api/
    assert wclient.get("/embed").status_code == 200


def test_bad_rate_limit_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="PAIR_RATE_LIMIT"):
        create_app(settings=settings.replace(rate_limit="lots"))


def test_lookups_have_their_own_allowance(settings: Settings) -> None:
    config = settings.replace(rate_limit="2/minute", lookup_rate_limit="5/minute")
    client = create_app({"TESTING": True}, settings=config).test_client()
    asks = [client.post("/api/ask", json={}).status_code for _ in range(3)]
    lookups = [client.get("/api/passages/nope").status_code for _ in range(5)]
    assert asks == [422, 422, 429]
    assert lookups == [404] * 5
    assert client.get("/api/passages/nope").status_code == 429


def test_no_javascript_embed_signposts_a_parent_instead_of_quoting_evidence(
    wclient: FlaskClient,
) -> None:
    page = wclient.post("/embed", data={"message": "My baby won't stop crying and I can't cope"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'signpost signpost--parent"' in html and "health visitor" in html
    assert '<a href="tel:111">NHS 111</a>' in html and "Where to get help" in html
    assert 'class="citations"' not in html and 'class="cite-marker"' not in html


def _gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def _body(client: FlaskClient, path: str) -> bytes:
    response = client.get(path)
    try:
        assert response.status_code == 200, path
        return response.data
    finally:
        response.close()  # static files are streamed from an open file


def test_widget_stays_small(wclient: FlaskClient) -> None:
    """Loader under 10 KB and the panel (page, stylesheet, scripts) under 100 KB, gzipped:
    the README reports these figures."""
    loader = _gzipped(wclient.get("/widget/v2.js").data)
    page = wclient.get("/embed")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.get_data(as_text=True))
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    panel = _gzipped(page.data) + sum(_gzipped(_body(wclient, a)) for a in assets)
    assert loader < 10 * 1024
    assert panel < 100 * 1024
