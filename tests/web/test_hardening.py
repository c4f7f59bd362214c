"""Regression tests for the attack audit: limits that cannot be dodged, no 500 on hostile
input, absolute URLs that the Host header cannot change, links only to web addresses."""

from __future__ import annotations

import json

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from assistant.config import Settings, load_settings
from assistant.errors import ConfigError
from assistant.evidence.corpus import Source
from assistant.origins import is_web_url
from assistant.search.engine import Engine
from assistant.web import create_app

HOST = "https://intranet.example.nhs.uk"


@pytest.fixture()
def limited(settings: Settings, engine: Engine) -> FlaskClient:
    config = settings.replace(
        embed_allowed_origins=(HOST,), rate_limit="3/minute", lookup_rate_limit="3/minute"
    )
    return create_app({"TESTING": True}, settings=config).test_client()


def _codes(client: FlaskClient, n: int, **request: object) -> list[int]:
    method = request.pop("method", "POST")
    path = str(request.pop("path", "/api/ask"))
    return [client.open(path, method=str(method), **request).status_code for _ in range(n)]


# 1. Rate limits key on the client address and allowlisted origins only


def test_a_new_host_header_per_request_does_not_reset_the_limit(limited: FlaskClient) -> None:
    codes = [
        limited.post("/api/ask", json={}, headers={"Host": f"h{n}.example"}).status_code
        for n in range(5)
    ]
    assert codes == [422, 422, 422, 429, 429]


@pytest.mark.parametrize(
    "origins", [["x1://localhost", "x2://localhost"], ["http://localhost/1", "http://localhost/2"]]
)
def test_spoofed_own_origins_share_one_bucket(limited: FlaskClient, origins: list[str]) -> None:
    assert _codes(limited, 2, json={}) == [422, 422]
    assert _codes(limited, 1, json={}, headers={"Origin": origins[0]}) == [422]
    assert _codes(limited, 1, json={}, headers={"Origin": origins[1]}) == [429]


def test_allowlisted_origins_and_other_clients_have_their_own_bucket(
    limited: FlaskClient,
) -> None:
    assert _codes(limited, 4, json={}) == [422, 422, 422, 429]
    assert _codes(limited, 1, json={}, headers={"Origin": HOST}) == [422]
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert _codes(limited, 1, json={}, environ_base=other) == [422]


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_html_forms_that_run_the_model_are_limited(limited: FlaskClient, path: str) -> None:
    codes = _codes(limited, 4, path=path, data={"message": ""})
    assert codes == [422, 422, 422, 429]
    page = limited.post(path, data={"message": ""})
    assert "Too many requests" in page.get_data(as_text=True)
    assert limited.get(path).status_code == 200  # reading the page is not limited


def test_the_search_page_shares_the_lookup_allowance(limited: FlaskClient) -> None:
    assert _codes(limited, 4, method="GET", path="/search") == [200, 200, 200, 429]


# 5. Hostile input is a 4xx in the right shape, never a 500


def _api_error(response: object, status: int) -> dict[str, str]:
    assert response.status_code == status  # type: ignore[attr-defined]
    error: dict[str, str] = response.get_json()["error"]  # type: ignore[attr-defined]
    assert set(error) == {"code", "message"}
    return error


@pytest.mark.parametrize(
    "body",
    [
        '{"message": "\\ud800"}',
        '{"message": "ok", "history": [{"message": "\\udfff"}]}',
        '{"\\ud800": 1}',
    ],
)
def test_lone_surrogates_are_refused(client: FlaskClient, body: str) -> None:
    response = client.post("/api/ask", data=body, content_type="application/json")
    assert "surrogate" in _api_error(response, 400)["message"]


@pytest.mark.parametrize("depth", [17, 1000, 5000])
def test_deeply_nested_json_is_refused(client: FlaskClient, depth: int) -> None:
    body = '{"message": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/ask", data=body, content_type="application/json")
    assert "nested" in _api_error(response, 400)["message"]


def test_brackets_inside_strings_are_not_nesting(client: FlaskClient) -> None:
    body = json.dumps({"message": "[" * 100 + "{" * 100})
    response = client.post("/api/ask", data=body, content_type="application/json")
    assert response.status_code == 200


def test_non_utf8_json_is_refused(client: FlaskClient) -> None:
    response = client.post("/api/ask", data=b'{"message": "\xff"}', content_type="application/json")
    assert "UTF-8" in _api_error(response, 400)["message"]


@pytest.mark.parametrize("births", ["%C2%B2", "%E2%91%A0", "%D9%A3%D9%A0%D9%A0"])
def test_unicode_digits_are_not_a_number_of_births(client: FlaskClient, births: str) -> None:
    api = client.get(f"/api/journey/needs-estimate?births={births}")
    assert _api_error(api, 422)["code"] == "invalid_input"
    page = client.get(f"/journey/needs-estimate?births={births}")
    assert page.status_code == 200  # a form a person fills in shows its error on the page
    assert "whole number" in page.get_data(as_text=True)
    brief = client.get(f"/journey/export/brief.md?trail=needs-estimate&births={births}")
    assert brief.status_code == 200


def test_unicode_digit_checklist_ticks_are_ignored(client: FlaskClient) -> None:
    response = client.get("/journey/needs?done=needs.%C2%B2&done=needs.%E2%91%A0")
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["a" * 64, "a..b", "a b", "-a.example", "x" * 300, "[::1"])
def test_malformed_host_headers_get_a_helpful_400(client: FlaskClient, host: str) -> None:
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 400
    assert "Host header" in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"]
    assert _api_error(client.get("/api/search?q=x", headers={"Host": host}), 400)["code"] == (
        "bad_host"
    )


# 11. Absolute URLs come from PAIR_PUBLIC_URL; other hosts can be refused


@pytest.fixture()
def published(settings: Settings, engine: Engine) -> FlaskClient:
    config = settings.replace(public_url="https://pair.example.nhs.uk")
    return create_app({"TESTING": True}, settings=config).test_client()


def test_absolute_urls_use_the_public_url_not_the_host_header(
    published: FlaskClient, engine: Engine
) -> None:
    evil = {"Host": "evil.example"}
    pid = engine.index.passages[0].id
    cite = published.get(f"/api/passages/{pid}/cite", headers=evil).get_json()
    assert cite["permalink"].startswith(f"https://pair.example.nhs.uk/evidence/{pid}")
    found = published.get("/api/search?q=funding", headers=evil).get_json()
    assert all(r["permalink"].startswith("https://pair.example.nhs.uk/") for r in found["results"])
    setup = published.get("/embed/setup", headers=evil).get_data(as_text=True)
    assert "evil.example" not in setup
    assert "script-src https://pair.example.nhs.uk;" in setup
    page = published.get(f"/evidence/{pid}", headers=evil).get_data(as_text=True)
    assert "evil.example" not in page


def test_without_a_public_url_links_follow_the_request(client: FlaskClient) -> None:
    setup = client.get("/embed/setup", headers={"Host": "pair.local:8000"})
    assert "script-src http://pair.local:8000;" in setup.get_data(as_text=True)


def test_trusted_hosts_refuse_any_other_host(settings: Settings, engine: Engine) -> None:
    config = settings.replace(trusted_hosts=("pair.example.nhs.uk",))
    client = create_app({"TESTING": True}, settings=config).test_client()
    assert client.get("/healthz", headers={"Host": "pair.example.nhs.uk"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "PAIR.example.nhs.uk:8443"}).status_code == 200
    refused = client.get("/api/search?q=x", headers={"Host": "evil.example"})
    assert _api_error(refused, 400)["code"] == "bad_host"
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("PAIR_PUBLIC_URL", "ftp://pair.example", "PAIR_PUBLIC_URL"),
        ("PAIR_PUBLIC_URL", "https://pair.example/sub", "PAIR_PUBLIC_URL"),
        ("PAIR_TRUSTED_HOSTS", "https://pair.example", "trusted host"),
        ("PAIR_TRUSTED_HOSTS", "pair.example:80", "trusted host"),
    ],
)
def test_bad_host_settings_are_config_errors(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env={name: raw})


def test_host_settings_are_parsed() -> None:
    loaded = load_settings(
        env={"PAIR_PUBLIC_URL": "https://Pair.Example.nhs.uk/", "PAIR_TRUSTED_HOSTS": "A.b, c"}
    )
    assert loaded.public_url == "https://pair.example.nhs.uk"
    assert loaded.trusted_hosts == ("a.b", "c")


# 12. Only web addresses become links


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("http://intranet.local/doc.pdf", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/x", False),
        ("/evidence/abc", False),
        ("https://", False),
        ("https://[bad", False),
        (None, False),
        (5, False),
    ],
)
def test_only_http_and_https_addresses_are_links(url: object, ok: bool) -> None:
    assert is_web_url(url) is ok


def test_a_source_page_shows_a_bad_url_as_text(app: Flask) -> None:
    source = Source("x", "A source", url="javascript:alert(1)")
    with app.test_request_context("/sources/x"):
        page = render_template("sources/source.html", source=source, sections=[])
    assert "javascript:alert(1)" in page
    assert 'href="javascript' not in page
