"""Answer a free question, inside or outside the journey: the one path for API, chat and CLI.

Order matters. A question that looks like a parent asking about their own baby gets a
kind signpost and nothing from the evidence (no passage is ever offered as advice to a
parent). A follow-up is read against the earlier question it leans on. Then a matching
key-question card (a checked summary) is shown, else the question-aware extract; both
come with the journey steps and card questions closest to them (by the query vector the
answer already computed, so one model call for a question standing alone and two for
a follow-up); when the evidence does not cover the question, the journey's entry points
instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.answer import cards, followup, signpost
from assistant.answer.compose import Answer, compose
from assistant.answer.followup import Turn
from assistant.answer.intent import compatible, intent_of
from assistant.errors import ValidationError
from assistant.journey.guide import Guide
from assistant.journey.tree import ROOT_ID, Journey
from assistant.search.engine import Engine
from assistant.search.lexical import tokenize

MAX_RELATED = 3
# A question re-read against earlier turns borrows their words, which alone can lift a
# stray request past the abstain threshold: the second reading must clear it by this much.
RETRY_MARGIN = 0.05
# ...and its reply must say at least half of the question's own topic (by term weight),
# or quote a sentence at least this close to the question alone
UNSAID = 0.5
CLOSE = 0.25


def check_node(value: Any, journey: Journey) -> str | None:
    """The journey step id the user is at, or None; 422 for a non-string, 404 if unknown."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("'node' must be the id of a journey step, such as \"needs\"")
    return journey.node(value.strip()).id


def answer(
    engine: Engine,
    guide: Guide,
    question: str,
    node: str | None = None,
    history: Sequence[Turn] = (),
    use_cards: bool | None = None,
) -> Answer:
    """The reply to `question` asked at journey step `node` (already checked), after the
    earlier turns `history` (oldest first). A key-question card is tried before extracts
    unless `use_cards` is False (the eval scores extracts alone that way)."""
    sign = signpost.check(question)
    if sign is not None:
        return signposted(question, sign, node)
    step = guide.journey.node(node).title if node and node != ROOT_ID else None
    reading = followup.read(question, history, step)
    vector = engine.embed(reading.query)  # shared by every part of the reply
    sims = cards.cosines(engine.index, vector)  # and its cosines to the card phrasings
    reply = _reply(engine, reading, question, vector, use_cards, sims)
    if reply.abstained and reading.interpreted_as is None and (history or step):
        # "how many sessions?" names a topic of its own yet only makes sense after the
        # earlier turns: when it finds nothing alone, read it against them once more.
        second = followup.read(question, history, step, force=True)
        if second.interpreted_as is not None:
            second_vector = engine.embed(second.query)
            second_sims = cards.cosines(engine.index, second_vector)
            retry = _reply(engine, second, question, second_vector, use_cards, second_sims)
            if retry.confidence >= engine.settings.abstain_threshold + RETRY_MARGIN and _says(
                engine, retry, question
            ):
                reading, vector, sims, reply = second, second_vector, second_sims, retry
    if reading.interpreted_as is not None:
        reply = replace(reply, extra={**reply.extra, "interpreted_as": reading.interpreted_as})
    if reply.abstained:
        near = cards.questions_to_try(engine.index, vector, node, sims)
        reply = replace(reply, extra={**reply.extra, "try_questions": near})
        return with_journey(reply, guide.journey, node, near_steps(guide.journey, node))
    related = guide.matcher.related(vector, MAX_RELATED, skip=[node or ROOT_ID], question=question)
    skip = reply.extra.get("card_id")
    upcoming = cards.next_questions(engine.index, vector, skip, question, sims)
    reply = replace(reply, extra={**reply.extra, "next_questions": upcoming})
    return with_journey(reply, guide.journey, node, related)


def _reply(
    engine: Engine,
    reading: followup.Reading,
    question: str,
    vector: np.ndarray,
    use_cards: bool | None,
    sims: np.ndarray | None = None,
) -> Answer:
    """A matching card's summary, else the question-aware extract (or a refusal).

    A follow-up gets a card only if the card also speaks to the follow-up's own words,
    continues the conversation's topic and was written for its kind of question ("how
    long does it take?" at the joint commissioning step is not answered by what joint
    commissioning is): the card threshold is the same as for a question standing alone."""
    index = engine.index
    if engine.settings.use_cards if use_cards is None else use_cards:
        terms = index.lexical.query_terms(reading.query)
        threshold = engine.settings.card_threshold
        found = cards.match(index, vector, terms, threshold, question, sims)
        if found is not None and reading.interpreted_as is not None:
            own = index.lexical.query_terms(question)
            before = index.lexical.query_terms(reading.carried)
            fits = cards.speaks_to(index, found.card, own) and compatible(
                intent_of(question), cards.offered(found.card)
            )
            found = found if fits and cards.continues(index, found.card, before) else None
        if found is not None and not cards.already_shown(found.card, reading.shown):
            return cards.card_answer(index, found, question)
    result = engine.search(reading.query, query_vector=vector, boost=reading.boost)
    # a follow-up is searched with the conversation's words, but its sentences are also
    # judged against the question alone: the one extra model call a follow-up costs
    focus = engine.embed(question) if reading.query != question else None
    return compose(
        result, index, engine.settings.max_answer_sentences, question, reading.shown, focus
    )


def _says(engine: Engine, reply: Answer, question: str) -> bool:
    """Does ``reply`` speak to what ``question`` itself asks? A question read again
    against the conversation or the step has only its own words to show it belongs
    there: it must find at least half of its topic words in the reply ("can their line
    manager provide it?"), or one of the reply's sentences close in meaning to it ("how
    many sessions are usual?" answered with "three to five cycles of filming"). "can you
    book me a train?" at the step on planning a team, answered with a passage on
    training, does neither."""
    said = frozenset(tokenize([reply.answer])[0])
    if cards.missing_share(cards.topic_terms(engine.index, question), said) <= UNSAID:
        return True
    asked = engine.embed(question)
    return any(float(engine.embed(s.text) @ asked) >= CLOSE for s in reply.sentences)


def remembered(question: str, reply: Answer) -> Turn:
    """The turn a conversation keeps of ``question`` and its reply, for later follow-ups."""
    return Turn(question, tuple(c.id for c in reply.citations), reply.answer)


def signposted(question: str, sign: signpost.Signpost, node: str | None) -> Answer:
    """An abstaining answer that carries the signpost and no citations.

    ``signpost_parts`` is what pages show, in order: paragraphs of ``{"text", "tel"}``
    pieces, where ``tel`` is the number a link dials (or None)."""
    reply = Answer(
        question=question,
        answer=sign.answer,
        sentences=(),
        citations=(),
        abstained=True,
        confidence=0.0,
        extra={
            "signpost": sign.text,
            "signpost_kind": sign.kind,
            "signpost_parts": signpost.parts(sign),
        },
    )
    return with_journey(reply, None, node, [])


def entry_points(journey: Journey) -> list[str]:
    """The steps the start page offers: where to begin when a question is out of scope."""
    return [o.to for o in journey.start.options]


def near_steps(journey: Journey, node: str | None) -> list[str]:
    """Up to three steps near the user's place: where it leads next, else where to begin."""
    here = journey.node(node) if node else journey.start
    return [o.to for o in here.options][:MAX_RELATED] or entry_points(journey)[:MAX_RELATED]


def with_journey(
    reply: Answer, journey: Journey | None, node: str | None, related: list[str]
) -> Answer:
    """`reply` with `node` echoed and `related_nodes` as [{"id", "title"}]."""
    extra: dict[str, Any] = dict(reply.extra)
    if node is not None:
        extra["node"] = node
    extra["related_nodes"] = [
        {"id": i, "title": journey.node(i).title} for i in related if journey is not None
    ]
    return replace(reply, extra=extra)
