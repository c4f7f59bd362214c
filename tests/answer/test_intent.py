"""The kind of reply a question asks for, and which cards may give it."""

from __future__ import annotations

import pytest

from assistant.answer.intent import Intent, compatible, intent_of


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How many health visitors are there in England?", Intent.COUNT),
        ("what proportion of mothers have anxiety", Intent.COUNT),
        ("Who commissions the Family Nurse Partnership?", Intent.WHO),
        ("Since when have councils commissioned FNP?", Intent.WHEN),
        ("Which wards does the Bradford service cover?", Intent.WHERE),
        ("Why are fathers rarely assessed?", Intent.WHY),
        ("What is the Family Nurse Partnership?", Intent.DEFINE),
        ("what does PIR-GAS mean", Intent.DEFINE),
        ("What is Circle of Security?", Intent.DEFINE),
        ("What is a Joint Strategic Needs Assessment (JSNA)?", Intent.DEFINE),
        ("What is the case for a dedicated parent-infant team?", Intent.OPEN),
        ("what is the role of the health visitor", Intent.OPEN),
        ("What is the evidence behind video feedback?", Intent.OPEN),
        ("How do we pool budgets?", Intent.HOWTO),
        ("and is it effective?", Intent.YESNO),
        (
            "What are the main barriers to commissioning parent-infant relationship services?",
            Intent.OPEN,
        ),
        ("FNP local authority commissioning", Intent.NONE),
        ("What is the point of a needs analysis?", Intent.WHY),
        ("What stops mothers asking for help?", Intent.WHY),
        ("What outcome measures should a parent-infant team use?", Intent.OPEN),
    ],
)
def test_the_opening_words_say_what_is_asked(question: str, intent: Intent) -> None:
    assert intent_of(question) is intent


def test_a_card_for_another_kind_of_question_does_not_fit() -> None:
    assert not compatible(Intent.DEFINE, frozenset({Intent.WHO, Intent.COUNT}))
    assert not compatible(Intent.COUNT, frozenset({Intent.YESNO}))
    assert compatible(Intent.YESNO, frozenset({Intent.HOWTO}))  # "can we pool budgets?"
    # "which measures?" is not answered by why to measure
    assert not compatible(Intent.OPEN, frozenset({Intent.WHY}))


def test_key_words_fit_any_card_and_a_key_word_card_fits_any_question() -> None:
    assert compatible(Intent.NONE, frozenset({Intent.WHO}))
    assert compatible(Intent.WHY, frozenset())
