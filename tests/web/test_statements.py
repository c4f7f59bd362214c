"""The accessibility statement, the privacy notice, "About this assistant" and the footer."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.config import Settings
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine
from assistant.search.index import build_index
from assistant.web import create_app, statements


def test_the_footer_links_to_about_accessibility_and_privacy(client: FlaskClient) -> None:
    for path in ("/", "/search", "/journey/start", "/about"):
        html = client.get(path).get_data(as_text=True)
        footer = " ".join(html[html.index('<footer class="nhsuk-footer"') :].split())
        for href, text in (
            ("/about#about-this-assistant", "About this assistant"),
            ("/accessibility", "Accessibility statement"),
            ("/privacy", "Privacy notice"),
        ):
            assert f'href="{href}" >{text}</a>' in footer
        assert "This is not clinical advice" in footer


def test_about_this_assistant_explains_cards_quotes_abstaining_and_signposts(
    client: FlaskClient,
) -> None:
    html = client.get("/about").get_data(as_text=True)
    section = html[html.index('id="about-this-assistant"') : html.index('id="what-it-is-not"')]
    assert '<h2 id="about-this-assistant-heading">About this assistant</h2>' in section
    for idea in ("key-question card", "quoted word for word", "has no evidence", "NHS 111"):
        assert idea in section


def test_the_accessibility_statement_follows_the_model_wording(client: FlaskClient) -> None:
    response = client.get("/accessibility")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in html
    assert "Equality Advisory and Support Service" in html and "WCAG" in html
    for issue in statements.KNOWN_ISSUES:
        assert f"<li>{issue}</li>" in html.replace("&#39;", "'")
    assert "axe-core" in html and statements.TESTED_ON.strftime("%-d %B %Y") in html


def test_the_privacy_notice_shows_everything_that_is_kept(client: FlaskClient) -> None:
    response = client.get("/privacy")
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    for item in statements.STORED:
        assert f'<th scope="row">{item.what}</th>' in html and item.how_long in html
    for line in statements.NOT_STORED:
        assert line in html
    assert "written to the server's log" in html and "PAIR_LOG_QUERIES is on" not in html


@pytest.fixture()
def logging_app(settings: Settings, engine: Engine) -> Flask:
    changed = settings.replace(
        log_queries=True, service_owner="NHS Example ICB", contact_email="pair@example.nhs.uk"
    )
    return create_app({"TESTING": True}, settings=changed)


def test_the_notices_name_the_owner_and_say_when_questions_are_logged(
    logging_app: Flask,
) -> None:
    client = logging_app.test_client()
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "PAIR_LOG_QUERIES is on" in privacy and "run by NHS Example ICB" in privacy
    accessibility = client.get("/accessibility").get_data(as_text=True)
    assert '<a href="mailto:pair@example.nhs.uk">pair@example.nhs.uk</a>' in accessibility
    assert re.search(r"NHS Example ICB is committed", accessibility)


@pytest.fixture()
def superseded_client(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> Iterator[FlaskClient]:
    """The tiny corpus in which Rare Jewels (2019) is superseded by the ONS births source."""
    sources = fixture_settings.corpus_dir / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    marked = text.replace(
        "    type: charity or expert report",
        "    type: charity or expert report\n    superseded_by: test-ons-births",
        1,
    )
    sources.write_text(marked, encoding="utf-8")
    build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    key = services.engine_key(fixture_settings)
    services._engines[key] = services.load_engine(fixture_settings, embedder)
    try:
        yield create_app({"TESTING": True}, settings=fixture_settings).test_client()
    finally:
        services._engines.pop(key, None)


def test_a_passage_from_superseded_evidence_links_to_the_newer_evidence(
    superseded_client: FlaskClient,
) -> None:
    found = superseded_client.get("/api/search", query_string={"q": "Rare Jewels teams"})
    old = next(r for r in found.get_json()["results"] if r["source_id"] == "test-rare-jewels")
    newer = old["newer"]
    births = superseded_client.get(f"/api/passages/{newer}").get_json()
    assert births["source_id"] == "test-ons-births"
    html = superseded_client.get(f"/evidence/{old['id']}").get_data(as_text=True)
    assert "Newer evidence exists" in html and f'href="/evidence/{newer}"' in html
