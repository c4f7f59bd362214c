"""How sure search is that the evidence speaks to a question at all."""

from __future__ import annotations

import pytest

from assistant.search.engine import Engine


@pytest.mark.parametrize(
    ("asked", "plain"),
    [
        (
            "How can we reach families from ethnic minority backgrounds?",
            "How can reach families from ethnic minority backgrounds?",
        ),
        (
            "how do we keep our team funded after the grant ends?",
            "how do keep team funded after the grant ends?",
        ),
        (
            "could you tell us what NICE says about video feedback?",
            "could you tell what NICE says about video feedback?",
        ),
    ],
)
def test_the_commissioners_we_is_no_term_the_evidence_must_cover(
    engine: Engine, asked: str, plain: str
) -> None:
    """The words "we", "us" and "our" are never in third-person evidence: they count nil."""
    hits = engine.search(asked).hits
    retriever = engine.retriever
    assert retriever._coverage(asked, hits, "hybrid") == retriever._coverage(plain, hits, "hybrid")
    assert retriever._coverage(asked, hits, "hybrid") > 0


def test_a_personal_request_still_counts_its_personal_words(engine: Engine) -> None:
    asked = "can you book me a train to Leeds for my meeting?"
    hits = engine.search(asked).hits
    retriever = engine.retriever
    without = "can book a train to Leeds for meeting?"
    assert retriever._coverage(asked, hits, "hybrid") < retriever._coverage(without, hits, "hybrid")


def test_a_question_in_the_commissioners_voice_is_answered(engine: Engine) -> None:
    assert not engine.search(
        "How can we reach families from ethnic minority backgrounds?"
    ).abstained


@pytest.mark.parametrize(
    ("asked", "plain"),
    [
        ("How do we evaluate value for money?", "evaluate value for money"),
        ("Which outcome measures should a team use?", "outcome measures a team use"),
        ("Why might a service still not get funded?", "a service still not get funded"),
    ],
)
def test_the_words_of_asking_are_no_terms_the_evidence_must_cover(
    engine: Engine, asked: str, plain: str
) -> None:
    """The words "how", "do", "which", "should" are rare in the evidence's prose, so they
    weighed most of all: a passage on evaluating value for money covered a third of the
    question."""
    hits = engine.search(asked).hits
    retriever = engine.retriever
    assert retriever._coverage(asked, hits, "hybrid") == retriever._coverage(plain, hits, "hybrid")


def test_a_how_do_we_question_the_evidence_covers_is_answered(engine: Engine) -> None:
    found = engine.search("How do we evaluate value for money?")
    assert not found.abstained
    assert any("value for money" in h.passage.text for h in found.hits[:5])
