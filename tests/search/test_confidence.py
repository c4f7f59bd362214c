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
