"""The chat page as a plain HTML form: no JavaScript needed."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_chat_page_has_a_labelled_form_and_a_quiet_live_region(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    # one polite status region for "Answer added" and the answer's words, not the whole log
    announcer = '<div id="announcer" class="nhsuk-u-visually-hidden" role="status" aria-live'
    assert announcer in html
    assert html.count("aria-live") == 1 and 'role="log"' not in html
    assert 'for="message">Your question</label>' in html
    assert 'method="post"' in html
    assert "<script>" not in html  # scripts only from files


def test_posting_the_form_shows_a_cited_answer(client: FlaskClient) -> None:
    response = client.post("/", data={"message": "What is a Joint Strategic Needs Assessment?"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You asked" in html
    assert 'class="cite-marker"' in html and '<sup class="cite-ref">' in html
    assert "<mark>" in html
    assert "/evidence/" in html
    # passage ids only in links, never as visible text
    assert not re.search(r">[^<]*\b[0-9a-f]{12}\b[^<]*<", html)
    assert "Show passage" in html and "nhsuk-tag" in html


def test_out_of_scope_form_answer_has_no_citations(client: FlaskClient) -> None:
    html = client.post("/", data={"message": "What's the weather in Leeds tomorrow?"}).get_data(
        as_text=True
    )
    assert "does not cover that question" in html
    assert 'class="cite-marker"' not in html
    assert 'class="citations"' not in html


def test_script_in_a_question_is_shown_as_text(client: FlaskClient) -> None:
    attack = '<script>alert("x")</script> teams in England'
    html = client.post("/", data={"message": attack}).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_empty_question_keeps_the_page_and_explains(client: FlaskClient) -> None:
    response = client.post("/", data={"message": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="message-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Type a question" in html and "'message'" not in html
    assert "<title>Error: " in html and "nhsuk-error-summary" in html


def test_too_long_question_is_kept_in_the_box(client: FlaskClient) -> None:
    draft = "why " * 300
    response = client.post("/", data={"message": draft})
    assert response.status_code == 422
    assert draft.strip() in response.get_data(as_text=True)


def test_pages_forbid_framing_and_inline_script(client: FlaskClient) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_no_cookies_are_set(client: FlaskClient) -> None:
    response = client.post("/", data={"message": "What is a JSNA?"})
    assert "Set-Cookie" not in response.headers


def test_unknown_page_is_a_helpful_html_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html and "If you typed the web address, check it is correct." in html
    assert "requested URL was not found" not in html  # not the framework's wording


def test_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_has_the_service_header_beta_banner_and_footer(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'class="nhsuk-header' in html and "PAIR Evidence Assistant" in html
    assert "nhsuk-frontend.min.css" in html and 'type="module"' in html
    assert re.search(r">\s*Beta\s*</strong>", html) and ">Give feedback</a>" in html
    assert 'class="nhsuk-footer' in html and "Embed on your intranet" in html


def test_the_conversation_prints_with_full_references(client: FlaskClient) -> None:
    response = client.get(
        "/conversation",
        query_string=[("q", "What is a JSNA?"), ("q", "How many teams are there in England?")],
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1. What is a JSNA?" in html and "2. How many teams are there in England?" in html
    assert "Available at:" in html  # a full Harvard reference
    assert "http://localhost/evidence/" in html  # the passage's full address, for paper


def test_preload_readies_the_index_and_journey_before_any_request(app: Flask) -> None:
    from assistant.web import preload

    assert "pair.journey" not in app.extensions
    preload(app)
    assert app.extensions["pair.journey"].journey.node("start").title
