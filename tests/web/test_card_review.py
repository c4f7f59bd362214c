"""A card whose cited passage changes shows "under review" wherever it shows (chat, widget,
printed conversation, API, permalink, search, command line, the journey step's "Questions
people ask here", the questions offered after an answer or a refusal) until a curator
re-checks it with `pair-assistant cards review`.

Real model, real index: the tiny corpus gets two cards, stamped with `cards review`, is
built, then a cited passage is edited as a curator would (its text only, no date) and
rebuilt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from assistant.cli import main
from assistant.config import Settings
from assistant.evidence.corpus import parse_corpus
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.index import build_index
from assistant.store import accounts
from assistant.store.database import get_store
from assistant.web import create_app

CARD_ID = "uk-teams-in-2019"
OTHER_ID = "camhs-under-twos"
QUESTION = "How many specialised parent-infant teams were there in the UK in 2019?"
HEADING = "sample > Twenty-seven specialised teams in 2019"
CARDS = f"""\
cards:
  - id: {CARD_ID}
    questions:
      - {QUESTION}
      - number of parent-infant relationship teams in 2019
    answer:
      - text: Rare Jewels counted 27 specialised parent-infant teams across the UK in 2019.
        cite: [{HEADING}]
    step: needs
    reviewed: 2026-12-02
  - id: {OTHER_ID}
    questions:
      - Do CAMHS take referrals for babies under two?
      - CAMHS referrals for children aged two and under
    answer:
      - text: In 42% of areas in England, CAMHS did not accept referrals under two in 2019.
        cite: [sample > CAMHS and babies]
    step: needs
    reviewed: '2026-12-02'
"""
REVIEW = "under review"
EDIT = ("most areas had no such team", "most areas of the UK had no such team")
OFF_TOPIC = "What is the best recipe for banana bread?"
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

    def run(self, *args: str) -> Result:
        return run(self.settings, *args)

    def edit(self, old: str, new: str) -> None:
        path = self.settings.corpus_dir / "evidence" / "sample.md"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def run(settings: Settings, *args: str) -> Result:
    """`pair-assistant ARGS` on the test corpus and index."""
    env = {"PAIR_CORPUS_DIR": str(settings.corpus_dir), "PAIR_INDEX_DIR": str(settings.index_dir)}
    return CliRunner().invoke(main, list(args), env=env)


def _serve(settings: Settings, embedder: SentenceTransformerEmbedder) -> Served:
    build_index(settings.corpus_dir, settings.index_dir, embedder)
    services._engines[services.engine_key(settings)] = services.load_engine(settings, embedder)
    return Served(create_app({"TESTING": True}, settings=settings).test_client(), settings)


@pytest.fixture()
def unstamped(fixture_settings: Settings) -> Iterator[Settings]:
    """The tiny corpus with two cards that no one has stamped yet."""
    add_cards(fixture_settings.corpus_dir)
    try:
        yield fixture_settings
    finally:
        services._engines.pop(services.engine_key(fixture_settings), None)


def add_cards(corpus: Path) -> None:
    """The two cards, a journey with the step they name and an estimator rate citing the
    CAMHS passage, added to a copy of the tiny corpus."""
    (corpus / "answers").mkdir()
    (corpus / "answers" / "sample.yaml").write_text(CARDS, encoding="utf-8")
    (corpus / "journey.yaml").write_text(JOURNEY, encoding="utf-8")
    estimate_from_camhs(corpus)


def estimate_from_camhs(corpus: Path) -> None:
    """The estimator's rate cites the CAMHS passage by its (current) id."""
    camhs = next(p for p in parse_corpus(corpus).passages if p.heading == "CAMHS and babies")
    (corpus / "estimator.yaml").write_text(RATES.replace("{passage}", camhs.id), encoding="utf-8")


@pytest.fixture()
def carded(unstamped: Settings, embedder: SentenceTransformerEmbedder) -> Served:
    """The two cards stamped as checked against today's passages, built and served."""
    result = run(unstamped, "cards", "review", "--all", "--keep-date")
    assert result.exit_code == 0, result.output
    return _serve(unstamped, embedder)


@pytest.fixture()
def edited(carded: Served, embedder: SentenceTransformerEmbedder) -> Served:
    """The same corpus after the first card's passage was edited: text only, no date."""
    carded.edit(*EDIT)
    return _serve(carded.settings, embedder)


def _surfaces(served: Served) -> dict[str, str]:
    """What each place that shows the card's summary shows, as text."""
    client = served.client
    ask = client.post("/api/ask", json={"message": QUESTION}).get_json()
    assert ask["kind"] == "card" and ask["card_id"] == CARD_ID, ask
    search = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert [c["card_id"] for c in search["cards"]] == [CARD_ID]
    permalink = client.get(f"/api/answers/{CARD_ID}").get_json()
    cli = served.run("ask", QUESTION)
    assert cli.exit_code == 0, cli.output
    step = client.get("/api/journey/needs").get_json()["questions"]
    assert [q["card_id"] for q in step] == [CARD_ID, OTHER_ID]
    refused = client.post("/api/ask", json={"message": OFF_TOPIC, "node": "needs"}).get_json()
    assert refused["abstained"], refused
    tried = {q["card_id"]: q for q in refused["try_questions"]}
    return {
        "api ask": str(ask["under_review"]),
        "api journey step": str(step[0]["under_review"]),
        "api refusal suggestion": str(tried[CARD_ID]["under_review"]),
        "journey step page": _listed(client.get("/journey/needs")),
        "chat at the step": _listed(client.get("/", query_string={"step": "needs"})),
        "api search": str(search["cards"][0]["under_review"]),
        "api answers": str(permalink["under_review"]),
        "chat page": _html(client.post("/", data={"message": QUESTION})),
        "widget": _html(client.post("/embed", data={"message": QUESTION})),
        "printed conversation": _html(client.get("/conversation", query_string={"q": QUESTION})),
        "permalink page": _html(client.get(f"/answers/{CARD_ID}")),
        "search page": _html(client.get("/search", query_string={"q": QUESTION})),
        "refusal page": _tried(client.post("/", data={"message": OFF_TOPIC, "node": "needs"})),
        "widget refusal": _tried(client.post("/embed", data={"message": OFF_TOPIC})),
        "command line": cli.output,
        "command line refusal": _offered(served.run("ask", OFF_TOPIC, "--node", "needs")),
    }


def _html(response: object) -> str:
    assert getattr(response, "status_code", None) == 200
    page: str = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Summary written by the evidence team" in page or "Summaries written" in page
    return re.sub(r"<[^>]+>", "", page)


def _listed(response: object, start: str = "Questions people ask here") -> str:
    """The first card's item in a list of card questions (a journey step's), as text."""
    assert getattr(response, "status_code", None) == 200
    page: str = response.get_data(as_text=True)  # type: ignore[attr-defined]
    listed = page[page.index(start) :]
    items = re.findall(r"<li>(.*?)</li>", listed[: listed.index("</ul>")], re.S)
    item = next((i for i in items if QUESTION in i), "")
    assert item, listed[:600]
    return re.sub(r"<[^>]+>", "", item)


def _offered(cli: Result) -> str:
    """The line of `ask`'s "Try one of these" that offers the first card."""
    assert cli.exit_code == 0, cli.output
    offered = cli.output[cli.output.index("Try one of these:\n") :]
    return next(line for line in offered.splitlines() if QUESTION in line)


def _tried(response: object) -> str:
    """The first of the questions a refusal offers ("Try one of these"), as text."""
    return _listed(response, "Try one of these")


def test_a_card_stamped_against_its_passages_is_not_under_review(carded: Served) -> None:
    for where, shown in _surfaces(carded).items():
        assert REVIEW not in shown and "True" not in shown, where


def test_editing_a_cited_passage_puts_the_card_under_review_everywhere(edited: Served) -> None:
    for where, shown in _surfaces(edited).items():
        assert REVIEW in shown or shown == "True", where


def test_a_card_citing_only_unchanged_passages_is_not_flagged(edited: Served) -> None:
    step = edited.client.get("/api/journey/needs").get_json()["questions"]
    assert {q["card_id"]: q["under_review"] for q in step} == {CARD_ID: True, OTHER_ID: False}


def test_cards_review_clears_the_flag_and_records_today(
    edited: Served, embedder: SentenceTransformerEmbedder
) -> None:
    result = edited.run("cards", "review", CARD_ID)
    assert result.exit_code == 0, result.output
    assert "Stamped 1 card(s)" in result.output and "index build" in result.output
    today = dt.date.today().isoformat()
    cards = (edited.settings.corpus_dir / "answers" / "sample.yaml").read_text()
    assert f"reviewed: {today}\n" in cards and "reviewed: '2026-12-02'" in cards
    lock = (edited.settings.corpus_dir / "answers" / "checked.lock.yaml").read_text()
    assert f'    "{HEADING}": [{_first_id(edited)}]\n' in lock
    for where, shown in _surfaces(_serve(edited.settings, embedder)).items():
        assert REVIEW not in shown and "True" not in shown, where


def test_a_passage_moved_elsewhere_unchanged_does_not_flag_its_card(carded: Served) -> None:
    """Reordered in its file, then moved to a file of its own of the same topic."""
    sample = carded.settings.corpus_dir / "evidence" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    start = text.index("### Twenty-seven")
    section = text[start : text.index("### CAMHS")]
    text = text.replace(section, "")
    sample.write_text(text.replace("## Data for", section + "## Data for"), encoding="utf-8")
    assert _flagged(carded) == {}
    sample.write_text(text, encoding="utf-8")
    moved = "---\ntopic: sample\ntitle: Moved\n---\n\n# Moved\n\n" + section
    (sample.parent / "moved.md").write_text(moved, encoding="utf-8")
    assert _flagged(carded) == {}


def _flagged(served: Served) -> dict[str, tuple[str, ...]]:
    corpus = parse_corpus(served.settings.corpus_dir)
    assert corpus.problems == []
    return {c.id: c.changes for c in corpus.cards if c.under_review}


def test_check_names_the_passage_that_changed_and_still_passes(carded: Served) -> None:
    """Under review is a state to show, not an error; `check` says which passage and why."""
    old = _first_id(carded)
    carded.edit(*EDIT)
    result = carded.run("check", "--no-duplicates")
    assert result.exit_code == 0, result.output
    assert (
        f"{CARD_ID}: under review: {HEADING}: text or sources changed since the card was "
        f"checked (was {old}, now {_first_id(carded)})\n"
    ) in result.output
    assert f"{OTHER_ID}:" not in result.output
    assert "2 key-question cards (1 under review: re-check, then `cards review`)." in result.output


def test_check_fails_on_a_card_never_stamped(unstamped: Settings) -> None:
    env = {"PAIR_CORPUS_DIR": str(unstamped.corpus_dir)}
    result = CliRunner().invoke(main, ["check", "--no-duplicates"], env=env)
    assert result.exit_code == 1
    assert (
        f"answers/sample.yaml:2: card '{CARD_ID}' is not stamped: check it against its "
        f"passages, then run `pair-assistant cards review {CARD_ID}`"
    ) in result.output


def test_a_passage_reviewed_after_the_card_flags_it_too(carded: Served) -> None:
    carded.edit("page: Summary\n", "page: Summary\nreviewed: 2099-01-15\n")
    assert _flagged(carded) == {
        CARD_ID: (f"{HEADING}: passage {_first_id(carded)} was reviewed 2099-01-15, "
                  "after the card (2026-12-02)",)
    }  # fmt: skip


def _first_id(served: Served) -> str:
    return next(p.id for p in parse_corpus(served.settings.corpus_dir).passages if p.order == 0)


def test_a_build_names_the_cards_under_review(carded: Served) -> None:
    carded.edit(*EDIT)
    result = carded.run("index", "build")
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    assert f"1 key-question card(s) under review: {CARD_ID} (" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["cards", "review", "no-such-card"], 1, "no key-question card with id 'no-such-card'"),
        (["cards", "review"], 2, "name the cards to stamp, or give --all or --unstamped"),
        (["cards", "review", CARD_ID, "--all"], 2, "name the cards to stamp, or give --all"),
    ],
)
def test_cards_review_refuses_bad_arguments_in_one_line(
    carded: Served, args: list[str], code: int, message: str
) -> None:
    result = carded.run(*args)
    assert result.exit_code == code and message in result.output
    assert "Traceback" not in result.output


def test_cards_review_stamps_nothing_when_a_card_fails_check(carded: Served) -> None:
    cards = carded.settings.corpus_dir / "answers" / "sample.yaml"
    lock = cards.with_name("checked.lock.yaml")
    before = lock.read_text()
    cards.write_text(cards.read_text().replace("In 42% of", "In 43% of"), encoding="utf-8")
    carded.edit(*EDIT)
    result = carded.run("cards", "review", CARD_ID, OTHER_ID)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output
    assert "nothing stamped: " in result.output and "answers/sample.yaml:16: card " in result.output
    assert f"card '{OTHER_ID}' states 43, which its cited passages do not" in result.output
    assert lock.read_text() == before and "reviewed: 2026-12-02" in cards.read_text()


def test_cards_review_unstamped_stamps_only_new_cards(carded: Served) -> None:
    cards = carded.settings.corpus_dir / "answers" / "sample.yaml"
    extra = CARDS.split("  - id: " + OTHER_ID)[1].replace("CAMHS take", "services take")
    extra = extra.replace("CAMHS referrals", "referrals to specialists")
    cards.write_text(cards.read_text() + "  - id: new-card" + extra, encoding="utf-8")
    carded.edit(*EDIT)
    result = carded.run("cards", "review", "--unstamped")
    assert result.exit_code == 0 and "Stamped 1 card(s)" in result.output, result.output
    assert set(_flagged(carded)) == {CARD_ID}
    assert carded.run("cards", "review", "--unstamped").output.startswith("Every card is")


def test_people_also_ask_marks_a_card_under_review(
    carded: Served, embedder: SentenceTransformerEmbedder
) -> None:
    """A flagged card is still offered after an answer, marked, on every surface."""
    carded.edit("were therefore often left", "were therefore left")
    estimate_from_camhs(carded.settings.corpus_dir)
    served = _serve(carded.settings, embedder)
    asked = "Is there a specialised parent-infant team in most areas?"
    data = served.client.post("/api/ask", json={"message": asked}).get_json()
    assert data["card_id"] == CARD_ID and not data["under_review"]
    offered = "Do CAMHS take referrals for babies under two?"
    assert data["next_questions"] == [
        {"card_id": OTHER_ID, "question": offered, "under_review": True}
    ]
    page = served.client.post("/", data={"message": asked}).get_data(as_text=True)
    box = page[page.index("People also ask") :]
    shown = re.sub(r"<[^>]+>", "", box[: box.index("</ul>")])
    assert re.search(rf"{re.escape(offered)}\s+\(under review\)", shown), shown
    cli = served.run("ask", asked)
    assert f"People also ask:\n  - {offered} (under review)\n" in cli.output


def test_cards_review_never_overwrites_a_damaged_lock(carded: Served) -> None:
    lock = carded.settings.corpus_dir / "answers" / "checked.lock.yaml"
    lock.write_text("cards: [\n", encoding="utf-8")
    cards = (carded.settings.corpus_dir / "answers" / "sample.yaml").read_text()
    result = carded.run("cards", "review", CARD_ID)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert "nothing stamped: " in result.output and "checked.lock.yaml:2: not valid YAML" in (
        result.output
    )
    assert lock.read_text() == "cards: [\n"
    assert (carded.settings.corpus_dir / "answers" / "sample.yaml").read_text() == cards


def _curator(served: Served, instance: Path) -> FlaskClient:
    """A signed-in curator's client on the same corpus and build."""
    from tests.web.test_admin import PASSWORD, sign_in

    own = replace(served.settings, instance_dir=instance)
    store = get_store(own)
    store.upgrade()
    accounts.add_user(store, "cur@trust.nhs.uk", "curator", PASSWORD)
    client = create_app({"TESTING": True}, settings=own).test_client()
    assert sign_in(client).status_code == 303
    return client


def test_the_curator_area_lists_the_cards_to_recheck_and_why(
    edited: Served, tmp_path: Path
) -> None:
    client = _curator(edited, tmp_path / "instance")
    page = client.get("/admin/cards")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    assert "Under review 1" in text and CARD_ID in text and OTHER_ID not in text
    assert "text or sources changed since the card was checked" in text
    assert f'href="/answers/{CARD_ID}"' in page.get_data(as_text=True)
    assert re.search(r"answers/sample\.yaml ?, line 2\b", text), text
    listed = client.get("/admin/cards", query_string={"show": "all"}).get_data(as_text=True)
    assert CARD_ID in listed and OTHER_ID in listed
    data = client.get("/admin/api/cards").get_json()
    assert data["count"] == 2 and data["under_review"] == 1
    by_id = {c["id"]: c for c in data["cards"]}
    assert by_id[CARD_ID]["under_review"] and by_id[CARD_ID]["changes"]
    assert not by_id[OTHER_ID]["under_review"] and by_id[OTHER_ID]["changes"] == []
    assert by_id[CARD_ID]["step_title"] == "Analyse local needs"
    # the journey's start step has no card of its own
    assert data["steps_without_cards"] == [{"id": "start", "title": "What do you want to do?"}]


def test_the_curator_area_says_when_nothing_needs_rechecking(
    carded: Served, tmp_path: Path
) -> None:
    client = _curator(carded, tmp_path / "instance")
    page = client.get("/admin/cards", query_string={"show": "nonsense"}).get_data(as_text=True)
    assert "No card is under review" in page
    assert client.get("/admin/api/cards").get_json()["under_review"] == 0
