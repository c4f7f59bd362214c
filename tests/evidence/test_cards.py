"""Key-question cards: loading, references, figures, collisions, review flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.evidence.cards import card_problems, figures
from assistant.evidence.check import check_corpus
from assistant.evidence.corpus import parse_corpus

GOOD = """\
cards:
  - id: teams-2019
    questions:
      - How many specialised teams were there in 2019?
      - number of parent-infant teams in the UK
    answer:
      - text: Rare Jewels counted 27 specialised teams across the UK in 2019.
        cite: [sample > Twenty-seven specialised teams in 2019]
    step: why-provision
    reviewed: 2026-12-02
"""


def write_cards(corpus: Path, text: str, name: str = "test.yaml") -> Path:
    folder = corpus / "answers"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_card_loads_and_resolves_to_its_passage(fixture_corpus: Path) -> None:
    write_cards(fixture_corpus, GOOD)
    corpus = parse_corpus(fixture_corpus)
    assert corpus.problems == []
    (card,) = corpus.cards
    assert card.id == "teams-2019" and card.step == "why-provision"
    heading = {p.id: p.heading for p in corpus.passages}
    assert [heading[i] for i in card.passage_ids()] == ["Twenty-seven specialised teams in 2019"]


def test_cards_change_the_corpus_fingerprint(fixture_corpus: Path) -> None:
    before = parse_corpus(fixture_corpus).fingerprint
    write_cards(fixture_corpus, GOOD)
    assert parse_corpus(fixture_corpus).fingerprint != before


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("Twenty-seven specialised teams in 2019]", "No such heading]"), 7, "matches no passage"),
        (("27 specialised", "28 specialised"), 7, "states 28"),
        (("      - number of parent-infant teams in the UK\n", ""), 2, "needs 2-6 questions"),
        (("reviewed: 2026-12-02", "reviewed: last week"), 10, "should be a date"),
        (("id: teams-2019", "id: Teams 2019"), 2, "lower-case words"),
        (("    step: why-provision\n", "    colour: blue\n"), 9, "unknown key `colour`"),
        (("cite: [sample > ", "cite: [sample - "), 7, "should read `topic > passage heading`"),
    ],
)
def test_check_names_the_file_and_line_of_a_bad_card(
    fixture_corpus: Path, change: tuple[str, str], line: int, message: str
) -> None:
    write_cards(fixture_corpus, GOOD.replace(*change))
    problems = check_corpus(fixture_corpus)
    found = [p for p in problems if message in p.message]
    assert found, problems
    assert found[0].file == "answers/test.yaml" and found[0].line == line


def test_a_phrasing_on_two_cards_or_copied_from_the_eval_is_refused(fixture_corpus: Path) -> None:
    write_cards(fixture_corpus, GOOD)
    write_cards(fixture_corpus, GOOD.replace("id: teams-2019", "id: other"), "b.yaml")
    messages = [p.message for p in check_corpus(fixture_corpus)]
    assert any("is also on card" in m for m in messages)
    asked = ["How many specialised teams were there in 2019"]
    messages = [p.message for p in check_corpus(fixture_corpus, asked=asked)]
    assert any("is an eval question" in m for m in messages)


def test_figures_compare_numbers_whatever_their_format() -> None:
    assert figures("£1.7bn, 1,645 mothers, 27% in 2019") == {"1.7", "1645", "27", "2019"}
    assert figures("two and under, a quarter") == set()


def test_every_shipped_card_resolves_and_states_only_its_passages_figures() -> None:
    corpus = parse_corpus(PROJECT_ROOT / "corpus")
    assert len(corpus.cards) >= 150
    card_files = [p for p in corpus.problems if p.file.startswith("answers/")]
    assert card_files == []
    texts = {p.id: p.text for p in corpus.passages}
    assert card_problems(corpus.cards, texts) == []


def test_every_shipped_card_is_stamped() -> None:
    """Under review is a state shown to readers while a card is re-checked, not an error;
    a card never checked and stamped is."""
    corpus = parse_corpus(PROJECT_ROOT / "corpus")
    assert [c.id for c in corpus.cards if not c.stamped] == []


def test_every_journey_step_has_a_card() -> None:
    import yaml

    corpus = parse_corpus(PROJECT_ROOT / "corpus")
    journey = yaml.safe_load((PROJECT_ROOT / "corpus" / "journey.yaml").read_text())
    steps = {n["id"] for n in journey["nodes"]}
    with_cards = {c.step for c in corpus.cards}
    assert steps - with_cards == set()
    assert with_cards - steps <= {None}
