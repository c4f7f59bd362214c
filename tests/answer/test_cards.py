"""Card answers and card closeness, on the real index: worked out once, the same each time."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from assistant.answer import cards
from assistant.answer.cards import CardMatch, card_answer, closeness, match
from assistant.answer.intent import asks_effect, intent_of
from assistant.search.engine import Engine


def test_closeness_is_each_cards_best_phrasing_cosine(engine: Engine) -> None:
    index = engine.index
    for row in (0, len(index.phrasing_card) // 2, len(index.phrasing_card) - 1):
        vector = index.phrasing_vectors[row]
        expected = np.full(len(index.cards), -1.0)
        np.maximum.at(expected, index.phrasing_card, index.phrasing_vectors @ vector)
        found = closeness(index, vector)
        assert np.array_equal(found, expected)
        assert found[index.phrasing_card[row]] >= 0.999  # a phrasing is closest to itself


def test_a_card_without_phrasings_is_least_close(engine: Engine) -> None:
    index = engine.index
    last = len(index.cards) - 1
    keep = [r for r, card in enumerate(index.phrasing_card) if card != last]
    cut = dataclasses.replace(
        index,
        phrasing_vectors=index.phrasing_vectors[keep],
        phrasing_card=[index.phrasing_card[r] for r in keep],
        _memo={},
    )
    found = closeness(cut, index.phrasing_vectors[0])
    assert found[last] == -1.0 and found[index.phrasing_card[0]] > 0.99


def test_a_card_answer_is_the_same_for_every_question_but_its_own_parts(engine: Engine) -> None:
    index = engine.index
    card = index.cards[0]
    first = card_answer(index, CardMatch(card, 0.8, 0.9), "first wording")
    again = card_answer(index, CardMatch(card, 0.75, 0.9), "second wording")
    assert first.question == "first wording" and again.question == "second wording"
    assert (first.confidence, again.confidence) == (0.8, 0.75)
    assert first.answer == again.answer and first.answer.startswith(card.sentences[0].text)
    assert first.citations == again.citations and first.citations
    assert [c.n for c in first.citations] == list(range(1, len(first.citations) + 1))
    assert all(s.citations for s in first.sentences)


@pytest.mark.parametrize(
    ("question", "card"),
    [
        # a "new" team is a team: who staffs a new service is who staffs any team
        (
            "which professions work in a new parent-infant service?",
            "who-is-in-a-parent-infant-team",
        ),
        # "what is" wants the definition, not the case for having one
        ("what are specialised parent-infant relationship teams?", "what-is-a-specialised-team"),
        # a definition, not whether it works
        ("what is VIG?", "video-interaction-guidance"),
        # "usually" asks about no topic of its own
        (
            "Which professions usually make up a parent-infant team?",
            "who-is-in-a-parent-infant-team",
        ),
        # which measures, not why to measure
        ("What outcome measures should a parent-infant team use?", "which-outcome-measures"),
        # asking for the point of something is asking why
        (
            "What is the point of measuring outcomes in a parent-infant team?",
            "why-measure-outcomes",
        ),
    ],
)
def test_a_question_gets_the_card_that_answers_it(engine: Engine, question: str, card: str) -> None:
    found = _matched(engine, question)
    assert found is not None and found.card.id == card


def _matched(engine: Engine, question: str) -> CardMatch | None:
    """The card the question gets at the served threshold."""
    index = engine.index
    return match(
        index,
        engine.embed(question),
        index.lexical.query_terms(question),
        engine.settings.card_threshold,
        question,
    )


def test_cosines_given_by_the_caller_choose_what_the_vector_alone_chooses(
    engine: Engine,
) -> None:
    index = engine.index
    for question in ("What is a Section 75 agreement?", "How is WEMWBS scored?", "zebra"):
        vector = engine.embed(question)
        sims = cards.cosines(index, vector)
        terms = index.lexical.query_terms(question)
        alone = cards.best_card(index, vector, terms, intent_of(question))
        assert alone is not None
        assert cards.best_card(index, vector, terms, intent_of(question), sims) == alone
        assert cards.match(index, vector, terms, -1.0, question, sims) == alone
        assert np.array_equal(closeness(index, vector, sims), closeness(index, vector))
        upcoming = cards.next_questions(index, vector, None, question)
        assert cards.next_questions(index, vector, None, question, sims) == upcoming
        offered = cards.questions_to_try(index, vector, "needs")
        assert cards.questions_to_try(index, vector, "needs", sims) == offered
    # and the cosines are what is used: the best cosine of another vector wins instead
    other = cards.cosines(index, index.phrasing_vectors[0])
    best = closeness(index, engine.embed("zebra"), other)
    assert best[index.phrasing_card[0]] >= 0.999


@pytest.mark.parametrize(
    ("question", "opens"),
    [
        ("Can councils and NHS bodies pool their budgets?", "Yes: under section 75"),
        ("How do councils and NHS bodies pool their budgets?", "Under section 75"),
        ("section 75 pooled budget", "Under section 75"),
    ],
)
def test_a_bare_yes_answers_only_a_yes_or_no_question(
    engine: Engine, question: str, opens: str
) -> None:
    index = engine.index
    card = next(c for c in index.cards if c.id == "pooled-budgets-section-75")
    reply = card_answer(index, CardMatch(card, 0.8, 0.9), question)
    assert reply.answer.startswith(opens) and reply.sentences[0].text.startswith(opens)
    assert reply.answer.startswith(reply.sentences[0].text)
    # a follow-up knows the card was shown, in either form
    assert cards.already_shown(card, reply.answer)


def test_a_yes_written_for_another_question_is_not_shown(engine: Engine) -> None:
    # the card on Northern Ireland's perinatal teams answers "Yes:" to whether it has
    # them, and is found for this question through its key words on the unit it lacks
    index = engine.index
    question = "Does Northern Ireland have a mother and baby unit?"
    found = _matched(engine, question)
    assert found is not None and found.card.id == "northern-ireland-perinatal"
    assert found.phrasing == "Northern Ireland mother and baby unit"
    assert found.card.sentences[0].text.startswith("Yes:")
    reply = card_answer(index, found, question)
    assert reply.answer.startswith("All five Trusts")
    asked = "Does Northern Ireland have specialist perinatal mental health teams?"
    assert card_answer(index, found, asked).answer.startswith("Yes:") is False
    same = dataclasses.replace(found, phrasing=asked)
    assert card_answer(index, same, asked).answer.startswith("Yes: all five Trusts")


@pytest.mark.parametrize(
    ("question", "card_id", "opens"),
    [
        # a qualified reply is still a reply, and "how does it affect" asks no yes or no
        (
            "How does deprivation affect perinatal mental health?",
            "deprivation-and-perinatal-mental-health",
            "For women aged 35 to 45",
        ),
        (
            "How many new teams did Start for Life pay for?",
            "new-teams-funded-by-start-for-life",
            "About half a dozen",
        ),
    ],
)
def test_a_qualified_yes_answers_only_a_yes_or_no_question(
    engine: Engine, question: str, card_id: str, opens: str
) -> None:
    index = engine.index
    card = next(c for c in index.cards if c.id == card_id)
    assert re.match(r"Yes, \w+", card.sentences[0].text)
    reply = card_answer(index, CardMatch(card, 0.8, 0.9, card.questions[0]), question)
    assert reply.answer.startswith(opens) and reply.sentences[0].text.startswith(opens)
    assert cards.already_shown(card, reply.answer)


def test_a_finding_that_opens_with_no_is_kept_whatever_was_asked(engine: Engine) -> None:
    index = engine.index
    card = next(c for c in index.cards if c.id == "e-see-steps-findings")
    reply = card_answer(index, CardMatch(card, 0.8, 0.9), "What did E-SEE Steps find?")
    assert reply.answer.startswith("No benefit;")


def test_a_yes_to_the_card_question_is_no_yes_to_another(engine: Engine) -> None:
    # found for a question on a plan through its question on a shortage: both ask "is
    # there", but a yes to one is no yes to the other
    index = engine.index
    question = "Is there a national workforce plan for parent-infant therapists?"
    card = next(c for c in index.cards if c.id == "workforce-shortage-barrier")
    phrasing = "Is there a shortage of parent-infant therapists?"
    assert phrasing in card.questions and card.sentences[0].text.startswith("Yes:")
    reply = card_answer(index, CardMatch(card, 0.71, 0.85, phrasing), question)
    assert reply.answer.startswith("In 2024 Blackburn with Darwen")
    # asked its own question, or nearly (a word it does not use), the yes stands
    for asked in (phrasing, "Is there really a national shortage of parent-infant therapists?"):
        assert card_answer(index, CardMatch(card, 0.9, 0.9, phrasing), asked).answer.startswith(
            "Yes: in 2024"
        )


def test_words_that_carry_no_topic_alone_count_inside_a_name(engine: Engine) -> None:
    index = engine.index
    named = "What is the Best Start Family Service?"
    plain = "what is the best way to start a family service?"
    topic = [t.alternatives[0] for t in cards._topic(index.lexical.query_terms(named), named)]
    assert ("best",) in topic and ("start",) in topic
    topic = [t.alternatives[0] for t in cards._topic(index.lexical.query_terms(plain), plain)]
    assert ("best",) not in topic and ("start",) not in topic


@pytest.mark.parametrize(
    ("question", "not_this", "this"),
    [
        # a region or nation asked about must be named: Greater Manchester's card ("Which
        # areas have a parent-infant team in every locality?") came closest
        (
            "Which areas in the North East have a parent-infant team?",
            "greater-manchester-parent-infant-teams",
            None,
        ),
        (
            "Which areas have a parent-infant team in every locality?",
            None,
            "greater-manchester-parent-infant-teams",
        ),
        # England and the UK are what most cards speak of without naming them
        ("How many health visitors are there in England?", None, "health-visitor-numbers-england"),
        # whether something works: found through "Do parent-infant teams work with
        # fathers, foster carers...?", and the card on what VIG is
        ("Do parent-infant teams work?", "who-counts-as-parent", None),
        (
            "Is video feedback effective for parents?",
            "video-interaction-guidance",
            "video-feedback-effectiveness",
        ),
        # a "how many" of babies is not one of fathers with perinatal depression
        (
            "How many babies have a mother or father with a common mental health problem?",
            "fathers-and-partners-perinatal-mental-health",
            None,
        ),
        (
            "How many women have a perinatal mental health problem?",
            None,
            "perinatal-prevalence-rates",
        ),
        ("How many babies are born in England and Wales each year?", None, "births-england-wales"),
        # what is missing: the card on a team in every locality, and on pooling budgets
        ("Which areas have no parent-infant team?", "greater-manchester-parent-infant-teams", None),
        ("Which councils do not have a parent-infant service?", "pooled-budgets-section-75", None),
        # an amount asked for: the card listing waiting lists among a team's arrangements
        # gives none (its "Chapter 6" is no amount); a card that gives one is still found
        (
            "How long is the waiting list for a parent-infant team usually?",
            "operational-arrangements-new-team",
            None,
        ),
        ("How much does a parent-infant team cost to run?", None, "cost-of-one-parent-infant-team"),
        # a year asked about must be named: the Committee's 2026 report came closest
        (
            "What did the Health and Social Care Committee recommend in 2019?",
            "select-committee-2026-recommendations",
            None,
        ),
        ("How many babies were born in England and Wales in 2023?", None, "births-england-wales"),
    ],
)
def test_a_card_close_in_words_is_shown_only_if_it_answers_what_was_asked(
    engine: Engine, question: str, not_this: str | None, this: str | None
) -> None:
    found = _matched(engine, question)
    assert found is None or found.card.id != not_this
    if this is not None:
        assert found is not None and found.card.id == this


def test_a_question_on_working_with_someone_asks_nothing_about_effect() -> None:
    assert asks_effect("Does Circle of Security improve attachment?")
    assert asks_effect("and does video feedback actually work?")
    assert not asks_effect("Do parent-infant teams work with fathers?")
    assert not asks_effect("How do I help parents?")


def test_a_card_on_something_missing_still_answers_a_question_about_it(engine: Engine) -> None:
    found = _matched(engine, "Which areas have no specialised parent-infant team at all?")
    assert found is None or cards._speaks_of_absence(found.card.questions, found.card.answer)
    found = _matched(engine, "Is there no mother and baby unit in Northern Ireland?")
    assert found is not None and found.card.id == "northern-ireland-perinatal"
