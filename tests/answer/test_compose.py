"""Extractive answers on the shipped corpus: sentences keep their subject and their source."""

from __future__ import annotations

import re

import pytest

from assistant.answer.compose import extract
from assistant.answer.extract import _repeats, counted_terms, sentence_text
from assistant.search.engine import Engine

ANAPHORA = re.compile(r"(It|Its|This|These|They|Their|Such)\b")
QUESTIONS = [
    "How many specialised parent-infant relationship teams are there in England?",
    "What does Section 75 allow?",
    "How much do perinatal mental health problems cost?",
    "What did the Rare Jewels report find?",
    "What is the Provider Selection Regime?",
    "Do CAMHS accept referrals for babies under two?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_sentence_opening_with_it_or_this_comes_after_its_antecedent(
    engine: Engine, question: str
) -> None:
    answer = extract(engine, question)
    assert not answer.abstained
    assert 1 <= len(answer.sentences) <= 3
    texts = {c.n: c.text for c in answer.citations}
    for i, sentence in enumerate(answer.sentences):
        assert sentence.text in texts[sentence.citation]
        if ANAPHORA.match(sentence.text):
            before = answer.sentences[i - 1]
            assert i > 0 and before.citation == sentence.citation
            assert f"{before.text} {sentence.text}" in texts[sentence.citation]


def test_a_word_the_passage_heading_says_counts_for_its_sentences(engine: Engine) -> None:
    # the passage headed "PIIOS reliability and validity" gives the validity evidence
    # (agreement with the CARE-Index) in a sentence that does not say "validity"
    answer = extract(engine, "What is the validity evidence for PIIOS?")
    assert any("CARE-Index" in s.text for s in answer.sentences), answer.answer


def test_a_sentence_of_the_year_asked_about_comes_before_those_of_other_years(
    engine: Engine,
) -> None:
    # the Committee's 2026 report is closer in words; its 2019 report is what was asked
    answer = extract(engine, "What did the Health and Social Care Committee recommend in 2019?")
    assert any("2019" in s.text for s in answer.sentences), answer.answer


def test_the_highlighted_spans_are_the_quoted_sentences(engine: Engine) -> None:
    answer = extract(engine, QUESTIONS[0])
    for citation in answer.citations:
        quoted = [s.text for s in answer.sentences if s.citation == citation.n]
        assert [citation.text[a:b] for a, b in citation.highlights] == quoted


def test_the_lead_sentence_keeps_the_sentence_that_says_what_it_means(engine: Engine) -> None:
    answer = extract(engine, "Which referral data did PIP UK teams enter into a shared portal?")
    texts = [s.text for s in answer.sentences]
    assert "portal" in texts[0] and texts[1].startswith("This covered"), texts


def test_a_sentence_drawing_a_conclusion_comes_after_what_it_is_drawn_from(
    engine: Engine,
) -> None:
    answer = extract(engine, "Should a parent-infant needs analysis include what parents say?")
    texts = {c.n: c.text for c in answer.citations}
    said = answer.sentences
    concluding = [i for i, s in enumerate(said) if " therefore " in s.text]
    assert concluding, [s.text for s in said]
    for i in concluding:
        assert i > 0 and said[i - 1].citation == said[i].citation
        assert f"{said[i - 1].text} {said[i].text}" in texts[said[i].citation]


def test_a_sentence_announcing_a_list_keeps_the_sentence_that_starts_it(engine: Engine) -> None:
    answer = extract(
        engine, "What reasons are there for a parent-infant team to measure its outcomes?"
    )
    texts = [s.text for s in answer.sentences]
    assert "four reasons" in texts[0] and texts[1].startswith("The first"), texts


def test_a_sentence_leaning_on_a_weak_one_is_judged_with_it(engine: Engine) -> None:
    # "It cautioned that PIR-GAS ratings..." would bring "LivPIP explained how PIP services
    # measure their outcomes" with it; the pair is worth less than the sentence that says
    # what PIR-GAS rates
    answer = extract(engine, "What does PIR-GAS measure?")
    said = " ".join(s.text for s in answer.sentences)
    assert "Clinicians can rate the overall quality of a parent-infant relationship" in said
    assert not said.startswith("Liverpool Parent Infant Partnership (LivPIP) explained")


def test_a_question_in_two_parts_gets_a_sentence_for_each(engine: Engine) -> None:
    answer = extract(
        engine, "How many sessions of Watch, Wait and Wonder are there, and who delivers them?"
    )
    said = " ".join(s.text for s in answer.sentences)
    assert "evidence rating" in said or "sessions" in said
    assert "Infant mental health specialists deliver it in weekly sessions" in said, said


def test_a_how_much_question_gets_the_amount_not_the_years(engine: Engine) -> None:
    # "rose significantly between 2017-19 and 2020-22" has numbers but no amount
    answer = extract(engine, "How big was the rise in UK maternal deaths in 2020-22?")
    assert "53% higher" in answer.sentences[0].text, [s.text for s in answer.sentences]


def test_a_how_many_question_wants_a_figure_of_the_thing_it_counts(engine: Engine) -> None:
    # the training courses and staff come first by every other measure; the question
    # counts families
    answer = extract(engine, "How many families did Little Minds Matter support?")
    assert "62 families" in answer.sentences[0].text, [s.text for s in answer.sentences]


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many mother and baby units are there in the UK?", {"mother", "babi", "unit"}),
        ("how many specialised parent-infant teams in England", {"specialis", "team"}),
        ("In how many areas would CAMHS not take referrals?", {"area"}),
        ("How many are there in England?", set()),
        ("how many of them are in the North?", set()),
        ("How much does a team cost?", set()),
    ],
)
def test_the_thing_a_how_many_question_counts(
    engine: Engine, question: str, counted: set[str]
) -> None:
    found = {s for t in counted_terms(engine.index, question) for s in t.alternatives[0]}
    assert counted <= found and (found or not counted)
    assert found <= counted | {"parent", "infant"}


def _sentence(engine: Engine, opening: str) -> int:
    index = engine.index
    found = [n for n in range(len(index.sentences)) if sentence_text(index, n).startswith(opening)]
    assert len(found) == 1, opening
    return found[0]


def test_the_same_figure_repeats_a_sentence_only_when_it_says_much_the_same(
    engine: Engine,
) -> None:
    index = engine.index
    network = _sentence(engine, "The Parent-Infant Network is the Parent-Infant Foundation")
    count = _sentence(engine, "The UK has 46 specialised parent-infant relationship teams")
    assert _repeats(index, count, [network])
    # "a 10-week programme" in a trial and "8 to 10 weeks" in the course's format share a
    # number, not a statement
    course = _sentence(engine, "A Circle of Security Parenting (COS-P) course usually takes")
    trial = _sentence(engine, "Circle of Security–Parenting (COS-P) had no overall effect")
    assert not _repeats(index, course, [trial])
    answer = extract(engine, "What does a Circle of Security Parenting course involve?")
    assert any("8 to 10 weeks" in s.text for s in answer.sentences), answer.answer
