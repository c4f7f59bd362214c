"""Key-question cards in the staff search: their own group above the passages, on the page
without JavaScript, in ``/api/search`` apart from the results, and on the command line.
Real model, real index, the shipped cards."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from assistant.answer.cardsearch import MAX_CARDS
from assistant.cli import main
from assistant.config import Settings
from assistant.evidence.cards import LABEL
from assistant.search.engine import Engine

GROUP = "Summaries written by the evidence team"
POOLED = "pooled-budgets-section-75"
RESULT_KEYS = {
    "id", "text", "title", "section", "url", "page", "score", "source_id", "year", "evidence",
    "topic", "newer", "heading", "heading_highlights", "highlights", "sentence", "reference",
    "permalink",
}  # fmt: skip


def search(client: FlaskClient, **args: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def test_a_search_the_cards_answer_gets_them_apart_from_the_passages(
    client: FlaskClient, engine: Engine
) -> None:
    data = search(client, q="Section 75 pooled budget")
    card = data["cards"][0]
    assert card["kind"] == "card" and card["card_id"] == POOLED
    found = engine.index.cards[engine.index.card_by_id[POOLED]]
    assert card["question"] == found.questions[0] and card["reviewed"] == found.reviewed
    assert card["answer"] == found.answer and card["label"] == LABEL
    assert card["under_review"] is False
    assert card["url"] == f"http://localhost/answers/{POOLED}"
    assert [s["text"] for s in card["sentences"]] == [s.text for s in found.sentences]
    cited = {i for s in card["sentences"] for i in s["citations"]}
    assert cited == set(found.passage_ids())
    assert all(client.get(f"/api/passages/{i}").status_code == 200 for i in cited)
    assert data["results"] and all(set(r) == RESULT_KEYS for r in data["results"])


def test_cards_leave_the_passage_results_as_they_were(client: FlaskClient) -> None:
    """The passages found, their order and their shape do not depend on the cards."""
    with_cards = search(client, q="cost of a parent-infant team")
    assert 1 <= len(with_cards["cards"]) <= MAX_CARDS
    assert all(r.get("kind") is None and "card_id" not in r for r in with_cards["results"])
    again = search(client, q="cost of a parent-infant team")
    assert again["results"] == with_cards["results"] and again["total"] == with_cards["total"]


@pytest.mark.parametrize("q", ["How do I renew my passport?", "weather in Leeds tomorrow"])
def test_a_search_no_card_answers_shows_no_cards(client: FlaskClient, q: str) -> None:
    assert search(client, q=q)["cards"] == []
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert GROUP not in page


def test_a_card_must_speak_to_every_word_of_the_search(client: FlaskClient) -> None:
    """Close in wording is not enough: "Scotland" cards for Scotland, not England's."""
    cards = search(client, q="How many specialised parent-infant teams are there in Scotland?")
    shown = [c["card_id"] for c in cards["cards"]]
    assert shown and "teams-in-england" not in shown
    england = search(client, q="How many specialised parent-infant teams are there in England?")
    assert england["cards"][0]["card_id"] == "teams-in-england"


def test_cards_come_on_the_first_page_only(client: FlaskClient) -> None:
    first = search(client, q="perinatal mental health", k=5)
    assert first["cards"] and first["pages"] > 1
    assert search(client, q="perinatal mental health", k=5, page=2)["cards"] == []


def test_a_quoted_phrase_matches_cards_by_their_text(client: FlaskClient, engine: Engine) -> None:
    """Every card shown holds the phrase in its phrasings or summary, near or not."""
    data = search(client, q='"Better Care Fund"')
    assert [c["card_id"] for c in data["cards"]] == [POOLED]
    for q in ('"section 75"', '"Section 75" agreement'):
        shown = search(client, q=q)["cards"]
        assert shown and len(shown) <= MAX_CARDS
        assert all(re.search(r"\bsection 75\b", _text(engine, c), re.I) for c in shown)
    assert search(client, q='"Section 750"')["cards"] == []


def _text(engine: Engine, card: dict[str, Any]) -> str:
    found = engine.index.cards[engine.index.card_by_id[card["card_id"]]]
    return "\n".join((*found.questions, found.answer))


def test_filters_keep_the_cards_that_cite_that_topic_or_source(
    client: FlaskClient, engine: Engine
) -> None:
    index = engine.index
    cited = [
        index.passages[index.by_id[i]] for i in index.cards[index.card_by_id[POOLED]].passage_ids()
    ]
    topic, source = cited[0].topic, cited[0].source_ids[0]
    assert (
        search(client, q="section 75 pooled budgets", topic=topic)["cards"][0]["card_id"] == POOLED
    )
    assert (
        search(client, q="section 75 pooled budgets", source=source)["cards"][0]["card_id"]
        == POOLED
    )
    elsewhere = next(t for t in index.topics if t not in {p.topic for p in cited})
    shown = search(client, q="section 75 pooled budgets", topic=elsewhere)["cards"]
    assert POOLED not in [c["card_id"] for c in shown]
    for c in shown:
        card = index.cards[index.card_by_id[c["card_id"]]]
        assert elsewhere in {index.passages[index.by_id[i]].topic for i in card.passage_ids()}


def test_the_page_without_javascript_shows_the_cards_above_the_passages(
    client: FlaskClient,
) -> None:
    page = client.get("/search", query_string={"q": "Section 75 pooled budget"}).get_data(
        as_text=True
    )
    group, count = page.index(GROUP), page.index('id="result-count"')
    assert group < count < page.index('class="evidence-card"')
    assert f'<a href="/answers/{POOLED}">Can the council and the ICB pool budgets' in page
    assert 'Reviewed <time datetime="2026-12-02">2026-12-02</time>' in page
    assert "under review" not in page[group:count]
    assert page.count('class="summary-card"') == 1
    assert "Yes: under section 75 of the NHS Act 2006" in page


def test_the_command_line_lists_the_cards_first_and_in_the_json(
    runner: CliRunner, settings: Settings
) -> None:
    env = {"PAIR_CORPUS_DIR": str(settings.corpus_dir), "PAIR_INDEX_DIR": str(settings.index_dir)}
    text = runner.invoke(main, ["search", "Section 75 pooled budget"], env=env)
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Summary: Can the council and the ICB pool budgets")
    assert f"/answers/{POOLED}, reviewed 2026-12-02)" in text.output
    as_json = runner.invoke(main, ["search", "Section 75 pooled budget", "--json"], env=env)
    data = json.loads(as_json.output)
    assert data["cards"][0]["card_id"] == POOLED and data["results"]
