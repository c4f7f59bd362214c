"""What a card was checked against: the lock file, the review state, stamping a date."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evidence.cards import card_files
from assistant.evidence.corpus import content_fingerprint, parse_corpus
from assistant.evidence.review import lock_path, read_lock, record_of, set_reviewed, write_lock
from assistant.evidence.yamlsrc import Problem
from tests.evidence.test_cards import GOOD, write_cards

HEADING = "sample > Twenty-seven specialised teams in 2019"


@pytest.fixture()
def corpus(fixture_corpus: Path) -> Path:
    write_cards(fixture_corpus, GOOD)
    return fixture_corpus


def _stamp(corpus: Path) -> None:
    (card,) = parse_corpus(corpus).cards
    write_lock(corpus, {card.id: record_of(card)})


def _changes(corpus: Path) -> tuple[str, ...]:
    found = parse_corpus(corpus)
    assert found.problems == []
    return found.cards[0].changes


def _edit(corpus: Path, old: str, new: str) -> None:
    sample = corpus / "evidence" / "sample.md"
    sample.write_text(sample.read_text().replace(old, new, 1))


def test_a_card_with_no_record_is_under_review_until_stamped(corpus: Path) -> None:
    (card,) = parse_corpus(corpus).cards
    assert not card.stamped and card.under_review
    assert "never stamped" in card.changes[0] and "cards review teams-2019" in card.changes[0]
    _stamp(corpus)
    (card,) = parse_corpus(corpus).cards
    assert card.stamped and not card.under_review


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("most areas had", "most areas   had"),  # spacing only
        ("CAMHS) did not accept", "CAMHS) did not take"),  # a passage the card does not cite
        ("page: Summary\n", "page: Summary\nreviewed: 2026-11-30\n"),  # reviewed before it
    ],
)
def test_edits_that_leave_the_cited_text_as_it_was_do_not_flag(
    corpus: Path, old: str, new: str
) -> None:
    _stamp(corpus)
    _edit(corpus, old, new)
    assert _changes(corpus) == ()


def test_an_edited_passage_names_its_old_and_new_id(corpus: Path) -> None:
    _stamp(corpus)
    (was,) = parse_corpus(corpus).cards[0].passage_ids()
    _edit(corpus, "counted 27", "found 27")
    (now,) = parse_corpus(corpus).cards[0].passage_ids()
    assert _changes(corpus) == (
        f"{HEADING}: text or sources changed since the card was checked (was {was}, now {now})",
    )


def test_a_new_source_on_the_passage_flags_the_card(corpus: Path) -> None:
    _stamp(corpus)
    _edit(corpus, "source: test-rare-jewels\n", "source: test-rare-jewels, test-ons-births\n")
    assert "text or sources changed" in _changes(corpus)[0]


def test_a_citation_to_a_passage_the_card_was_not_checked_against_flags_it(
    corpus: Path,
) -> None:
    _stamp(corpus)
    cards = corpus / "answers" / "test.yaml"
    cards.write_text(cards.read_text().replace(HEADING, "sample > CAMHS and babies"))
    assert _changes(corpus) == (
        "sample > CAMHS and babies: not among the passages the card was checked against",
    )


def test_the_lock_keeps_long_headings_on_one_line_and_reads_back(corpus: Path) -> None:
    long = "x" * 200 + ": with 'quotes' and \"double\" > signs"
    lock = {"teams-2019": {HEADING: ("abc123def456",)}, "b": {f"t > {long}": ("1", "2")}}
    write_lock(corpus, lock)
    text = lock_path(corpus).read_text()
    assert text.startswith("# What each key-question card was last checked against")
    assert "?" not in text and len(text.splitlines()) == 4 + 1 + 4
    problems: list[Problem] = []
    assert read_lock(corpus, problems)[0] == lock and problems == []


def test_the_lock_is_not_a_card_file_but_is_part_of_the_fingerprint(corpus: Path) -> None:
    before = content_fingerprint(corpus)
    _stamp(corpus)
    assert lock_path(corpus) not in card_files(corpus)
    assert content_fingerprint(corpus) == parse_corpus(corpus).fingerprint != before


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("cards:\n  teams-2019: [abc]\n", 2, "should be a mapping"),
        ("cards:\n  teams-2019:\n    'sample > x': abc\n", 3, "should be a list"),
        ("cards: [\n", 2, "not valid YAML"),
        ("colour: blue\n", 1, "unknown key `colour`"),
    ],
)
def test_a_damaged_lock_is_a_problem_with_its_line(
    corpus: Path, text: str, line: int, message: str
) -> None:
    lock_path(corpus).write_text(text)
    problems = [p for p in parse_corpus(corpus).problems if message in p.message]
    assert problems and problems[0].line == line, parse_corpus(corpus).problems
    assert problems[0].file.endswith("answers/checked.lock.yaml")


def test_stamping_a_date_changes_that_value_only(corpus: Path) -> None:
    cards = corpus / "answers" / "test.yaml"
    other = GOOD.replace("teams-2019", "other").replace("the UK", "Britain")
    other = other.replace("reviewed: 2026-12-02", "reviewed: '2026-12-01'")
    other = other.replace("How many specialised teams", "How many PAIR teams")
    text = "# kept comment\n" + GOOD + other.removeprefix("cards:\n")
    cards.write_text(text)
    set_reviewed(corpus, parse_corpus(corpus).cards, "2026-12-07")
    assert cards.read_text() == text.replace("2026-12-02", "2026-12-07").replace(
        "'2026-12-01'", "'2026-12-07'"
    )
