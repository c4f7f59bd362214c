"""A card whose cited passage changes after the card's review shows "under review" wherever
it shows: chat, widget, printed conversation, API, permalink, search, command line, and
the journey step's "Questions people ask here".

Real model, real index: the tiny corpus gets one card, is built, then its cited passage is
edited (and its review date moved past the card's) and rebuilt, as a curator would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from assistant.cli import main
from assistant.config import Settings
from assistant.evidence.corpus import parse_corpus
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.index import build_index
from assistant.web import create_app

CARD_ID = "uk-teams-in-2019"
QUESTION = "How many specialised parent-infant teams were there in the UK in 2019?"
CARD = f"""\
cards:
  - id: {CARD_ID}
    questions:
      - {QUESTION}
      - number of parent-infant relationship teams in 2019
    answer:
      - text: Rare Jewels counted 27 specialised parent-infant teams across the UK in 2019.
        cite: [sample > Twenty-seven specialised teams in 2019]
    step: needs
    reviewed: 2026-12-02
"""
REVIEW = "under review"
JOURNEY = """\
stages:
  - {id: analyse, label: Analyse need}
nodes:
  - id: start
    title: What do you want to do?
    text: Pick a task.
    options:
      - {label: Analyse, to: needs}
    evidence:
      queries: [specialised teams]
  - id: needs
    title: Analyse local needs
    stage: analyse
    text: Count the births in your area.
    options:
      - {label: Back to start, to: start}
    evidence:
      queries: [live births]
"""
RATES = """\
levels:
  - {id: services, label: Services}
rates:
  - id: camhs-no-referrals
    label: Areas whose CAMHS take no referrals under two
    level: services
    rate: 42
    per: 100
    population: areas
    passage: {passage}
"""


@dataclass
class Served:
    client: FlaskClient
    settings: Settings


def _serve(settings: Settings, embedder: SentenceTransformerEmbedder) -> Served:
    build_index(settings.corpus_dir, settings.index_dir, embedder)
    services._engines[services.engine_key(settings)] = services.load_engine(settings, embedder)
    return Served(create_app({"TESTING": True}, settings=settings).test_client(), settings)


@pytest.fixture()
def carded(fixture_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[Served]:
    """The tiny corpus with one card citing the Rare Jewels passage, built and served."""
    corpus = fixture_settings.corpus_dir
    (corpus / "answers").mkdir()
    (corpus / "answers" / "sample.yaml").write_text(CARD, encoding="utf-8")
    (corpus / "journey.yaml").write_text(JOURNEY, encoding="utf-8")
    camhs = next(p for p in parse_corpus(corpus).passages if p.heading == "CAMHS and babies")
    (corpus / "estimator.yaml").write_text(RATES.replace("{passage}", camhs.id), encoding="utf-8")
    try:
        yield _serve(fixture_settings, embedder)
    finally:
        services._engines.pop(services.engine_key(fixture_settings), None)


@pytest.fixture()
def edited(carded: Served, embedder: SentenceTransformerEmbedder) -> Served:
    """The same corpus after the cited passage was edited and reviewed after the card."""
    sample = carded.settings.corpus_dir / "evidence" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    text = text.replace("page: Summary\n", "page: Summary\nreviewed: 2027-01-15\n", 1)
    text = text.replace("had no such team at all", "had no specialised team at all", 1)
    sample.write_text(text, encoding="utf-8")
    return _serve(carded.settings, embedder)


def _surfaces(served: Served) -> dict[str, str]:
    """What each place that shows the card's summary shows, as text."""
    client = served.client
    ask = client.post("/api/ask", json={"message": QUESTION}).get_json()
    assert ask["kind"] == "card" and ask["card_id"] == CARD_ID, ask
    search = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert [c["card_id"] for c in search["cards"]] == [CARD_ID]
    permalink = client.get(f"/api/answers/{CARD_ID}").get_json()
    env = {"PAIR_CORPUS_DIR": str(served.settings.corpus_dir)}
    env["PAIR_INDEX_DIR"] = str(served.settings.index_dir)
    cli = CliRunner().invoke(main, ["ask", QUESTION], env=env)
    assert cli.exit_code == 0, cli.output
    step = client.get("/api/journey/needs").get_json()["questions"]
    assert [q["card_id"] for q in step] == [CARD_ID]
    return {
        "api ask": str(ask["under_review"]),
        "api journey step": str(step[0]["under_review"]),
        "journey step page": _listed(client.get("/journey/needs")),
        "chat at the step": _listed(client.get("/", query_string={"step": "needs"})),
        "api search": str(search["cards"][0]["under_review"]),
        "api answers": str(permalink["under_review"]),
        "chat page": _html(client.post("/", data={"message": QUESTION})),
        "widget": _html(client.post("/embed", data={"message": QUESTION})),
        "printed conversation": _html(client.get("/conversation", query_string={"q": QUESTION})),
        "permalink page": _html(client.get(f"/answers/{CARD_ID}")),
        "search page": _html(client.get("/search", query_string={"q": QUESTION})),
        "command line": cli.output,
    }


def _html(response: object) -> str:
    assert getattr(response, "status_code", None) == 200
    page: str = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Summary written by the evidence team" in page or "Summaries written" in page
    return re.sub(r"<[^>]+>", "", page)


def _listed(response: object) -> str:
    """The "Questions people ask here" list of a journey step, as text."""
    assert getattr(response, "status_code", None) == 200
    page: str = response.get_data(as_text=True)  # type: ignore[attr-defined]
    start = page.index("Questions people ask here")
    listed = page[start : page.index("</ul>", start)]
    assert QUESTION in listed
    return re.sub(r"<[^>]+>", "", listed)


def test_a_card_checked_after_its_passages_is_not_under_review(carded: Served) -> None:
    for where, shown in _surfaces(carded).items():
        assert REVIEW not in shown and "True" not in shown, where


def test_editing_a_cited_passage_puts_the_card_under_review_everywhere(edited: Served) -> None:
    for where, shown in _surfaces(edited).items():
        assert REVIEW in shown or shown == "True", where


def test_check_names_the_passage_that_put_a_card_under_review(edited: Served) -> None:
    env = {"PAIR_CORPUS_DIR": str(edited.settings.corpus_dir)}
    result = CliRunner().invoke(main, ["check", "--no-duplicates", "--cards"], env=env)
    assert f"{CARD_ID}: 27 -> " in result.output
    assert (
        f"{CARD_ID}: under review: sample > Twenty-seven specialised teams in 2019 ("
        in result.output
    )
    assert "was reviewed 2027-01-15, after the card (2026-12-02)" in result.output


def test_check_reports_no_review_for_a_card_checked_after_its_passages(carded: Served) -> None:
    env = {"PAIR_CORPUS_DIR": str(carded.settings.corpus_dir)}
    result = CliRunner().invoke(main, ["check", "--no-duplicates", "--cards"], env=env)
    assert f"{CARD_ID}: 27 -> " in result.output and "under review" not in result.output


def edit_and_rebuild(served: Served, old: str, new: str) -> Result:
    """Edit the sample passage's text and rebuild the index from the CLI: one passage changed."""
    sample = served.settings.corpus_dir / "evidence" / "sample.md"
    sample.write_text(sample.read_text(encoding="utf-8").replace(old, new), "utf-8")
    env = {
        "PAIR_CORPUS_DIR": str(served.settings.corpus_dir),
        "PAIR_INDEX_DIR": str(served.settings.index_dir),
    }
    result = CliRunner().invoke(main, ["index", "build"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    return result


def test_a_build_names_an_edit_that_left_the_passage_review_date_behind(
    carded: Served,
) -> None:
    """Edited text with its old (here: no) review date cannot flag the card: say so."""
    result = edit_and_rebuild(carded, "had no such team", "had no specialised team")
    assert (
        "Edited passage sample > Twenty-seven specialised teams in 2019 (reviewed never) is "
        f"cited by card '{CARD_ID}' (reviewed 2026-12-02), which does not show under review"
    ) in result.output


def test_a_build_says_nothing_when_the_passage_was_reviewed_after_the_card(
    edited: Served,
) -> None:
    """The passage already carries a review date after the card's: the card is flagged."""
    result = edit_and_rebuild(edited, "no specialised team", "no specialist team")
    assert "Edited passage" not in result.output
