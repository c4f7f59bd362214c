"""The "About the evidence" page, through the Flask test client."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from flask.testing import FlaskClient

from assistant.config import PROJECT_ROOT
from assistant.evidence.corpus import parse_corpus
from assistant.web.pages import read_about


def test_about_page_lists_every_source_with_counts(client: FlaskClient) -> None:
    response = client.get("/about")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>About the evidence</h1>" in html
    assert "not the text of the PAIR commissioning toolkit" in html
    assert "document ingestion" in html and "not clinical advice" in html
    corpus = parse_corpus(PROJECT_ROOT / "corpus")
    cited = {sid for p in corpus.passages for sid in p.source_ids}
    assert f"Sources ({len(cited)})" in html
    assert f"{len(corpus.cards)} key-question summaries" in html
    assert "Rare Jewels: specialised parent-infant relationship teams in the UK" in html
    assert 'href="https://www.miragenews.com' in html  # an aggregator appears only as a copy
    assert "copy on another site" in html
    for grade in ("Systematic review", "Local example", "Expert opinion"):
        assert f'<th scope="row">{grade}</th>' in html


def test_about_page_shows_review_date_from_corpus(client: FlaskClient) -> None:
    reviewed = yaml.safe_load((PROJECT_ROOT / "corpus" / "about.yaml").read_text())["reviewed"]
    html = client.get("/about").get_data(as_text=True)
    assert f'<time datetime="{reviewed.isoformat()}">' in html


def test_about_is_in_the_navigation(client: FlaskClient) -> None:
    html = client.get("/about").get_data(as_text=True)
    assert 'href="/about" aria-current="page"' in html


def test_read_about_tolerates_a_missing_or_broken_file(tmp_path: Path) -> None:
    assert read_about(tmp_path / "missing.yaml")["reviewed"] is None
    broken = tmp_path / "about.yaml"
    broken.write_text("reviewed: [oops\n")
    assert read_about(broken)["reviewed"] is None
    broken.write_text("reviewed: 2025-01-02\n")
    assert read_about(broken)["reviewed"] == dt.date(2025, 1, 2)
