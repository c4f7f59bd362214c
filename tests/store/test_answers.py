"""Answer rows, feedback and triage: what is stored, and what never is."""

from __future__ import annotations

import pytest

from assistant.store.answers import Asked, inbox, kept_text, record_answer, record_feedback, triage
from assistant.store.database import Store


@pytest.mark.parametrize(
    ("policy", "kind", "kept"),
    [
        ("unanswered", "refused", True),
        ("unanswered", "extract", False),
        ("unanswered", "card", False),
        ("all", "card", True),
        ("all", "signposted", False),
        ("unanswered", "signposted", False),
        ("none", "refused", False),
    ],
)
def test_kept_text_follows_the_setting(policy: str, kind: str, kept: bool) -> None:
    assert kept_text(policy, kind) is kept


def test_refused_questions_reach_the_inbox(store: Store) -> None:
    record_answer(store, Asked("refused", 0.2, node="needs", question="What about dads?"))
    record_answer(store, Asked("extract", 0.8, passage_ids=("p1", "p2")))
    items = inbox(store)
    assert [i.question for i in items] == ["What about dads?"]
    assert items[0].node == "needs" and items[0].reason == "No evidence found"


def test_a_signposted_question_is_never_stored(store: Store) -> None:
    answer_id = record_answer(store, Asked("signposted", 0.0, question="my baby won't stop crying"))
    assert record_feedback(store, answer_id, False, None, "my baby won't stop crying")
    assert inbox(store, unanswered_only=False) == []


def test_not_helpful_feedback_brings_the_question_in(store: Store) -> None:
    answer_id = record_answer(store, Asked("card", 0.9, card_id="funding", passage_ids=("p1",)))
    assert inbox(store) == []
    assert record_feedback(store, answer_id, False, "too general", "How is funding split?")
    [item] = inbox(store)
    assert (item.question, item.comment, item.card_id) == (
        "How is funding split?",
        "too general",
        "funding",
    )
    assert item.reason == "Marked not helpful"


def test_helpful_feedback_does_not_store_the_question(store: Store) -> None:
    answer_id = record_answer(store, Asked("extract", 0.9))
    assert record_feedback(store, answer_id, True, None, None)
    assert inbox(store, unanswered_only=False) == []


def test_feedback_on_a_missing_answer_is_refused(store: Store) -> None:
    assert record_feedback(store, 12345, True, None, None) is False


def test_triage_marks_an_item_and_filters_by_status(store: Store) -> None:
    record_answer(store, Asked("refused", 0.1, question="one"))
    record_answer(store, Asked("refused", 0.1, question="two"))
    first = inbox(store)[-1]
    assert triage(store, first.id, "covered", "abc123", "see the funding card", "c@nhs.net")
    [covered] = inbox(store, status="covered")
    assert (covered.question, covered.covered_by, covered.note) == (
        "one",
        "abc123",
        "see the funding card",
    )
    assert [i.question for i in inbox(store, status="new")] == ["two"]
    assert triage(store, 999, "out_of_scope", None, None, "c@nhs.net") is False
