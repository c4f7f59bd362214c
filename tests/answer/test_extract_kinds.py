"""What kind of sentence each kind of question wants."""

from __future__ import annotations

import pytest

from assistant.answer.extract import Kind, _fits, kind_of


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the service open?", Kind.WHEN),
        ("Who runs the Bradford service?", Kind.WHO),
        ("Which areas does the team cover?", Kind.WHERE),
        ("How many commissioners took part?", Kind.COUNT),
        ("Is video feedback effective?", Kind.EFFECT),
        ("What is a mother and baby unit?", Kind.DEFINE),
        ("How much does a parent-infant team cost?", Kind.COUNT),
        ("is it cost-effective though?", Kind.EFFECT),
        ("Is home visiting good value for money?", Kind.EFFECT),
        ("is it worth the cost?", Kind.EFFECT),
        ("How do we evaluate a parent-infant relationship service?", Kind.MEASURE),
        ("how would we know whether it worked for our families?", Kind.MEASURE),
        ("Which tools rate the parent-infant relationship?", Kind.MEASURE),
        ("What should we record about each referral?", Kind.MEASURE),
        ("how do we tell families about the service?", Kind.HOWTO),
        ("How do we know which families need help?", Kind.HOWTO),
    ],
)
def test_the_question_says_what_kind_of_sentence_answers_it(question: str, kind: Kind) -> None:
    assert kind_of(question) is kind


def test_a_count_wants_a_figure_not_just_a_year() -> None:
    assert _fits(Kind.COUNT, "The study interviewed nine commissioners in 2022.") > 0.7
    assert _fits(Kind.COUNT, "The team closed in 2021 after ten years.") > 0.7
    assert _fits(Kind.COUNT, "The report was published in 2021.") < 0.5


def test_when_who_and_where_want_a_date_a_name_and_a_place() -> None:
    assert _fits(Kind.WHEN, "It was founded in 1998.") == 1.0
    assert _fits(Kind.WHEN, "It works with parents and babies.") == 0.0
    assert _fits(Kind.WHO, "It is commissioned by Better Start Bradford.") == 1.0
    assert _fits(Kind.WHO, "It works with parents and babies.") == 0.0
    assert _fits(Kind.WHERE, "It covers three wards in Bradford Moor and Little Horton.") == 1.0


def test_a_question_on_measuring_wants_a_measure_or_tool() -> None:
    assert _fits(Kind.MEASURE, "Sensitivity was measured with the CARE-Index.") == 1.0
    assert _fits(Kind.MEASURE, "PIIOS scores agreed closely between raters.") == 1.0
    assert _fits(Kind.MEASURE, "VIG is recommended in NICE guideline PH40.") == 0.0


def test_why_wants_a_reason() -> None:
    assert kind_of("Why did the service close?") is Kind.WHY
    assert _fits(Kind.WHY, "It closed because its grant ended.") == 1.0
    assert _fits(Kind.WHY, "It closed in June 2021 after ten years.") == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "The rate rose significantly between 2017-19 and 2020-22.",
        "The plan for 2025/26 was published on 10 October 2024.",
        "Deaths from COVID-19 were left out and PHQ-9 was used.",
        "Chapter 8 closes with a table of tools.",
        "Councils pool budgets under section 75 of the NHS Act 2006.",
    ],
)
def test_years_dates_and_numbered_names_are_no_amount(text: str) -> None:
    assert _fits(Kind.COUNT, text) <= 0.2


def test_an_amount_beside_a_span_of_years_is_an_amount() -> None:
    assert _fits(Kind.COUNT, "The rate for 2020-22 was 53% higher than in 2017-19.") >= 0.7
