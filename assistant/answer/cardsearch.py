"""Key-question cards in the staff search: which summaries a search shows, and their shape.

A search shows a card, above the passages, when one of the card's phrasings is close to
the search (cosine of the search vector against the phrasing vectors computed at build
time) and the card speaks to every topic word of the search (its phrasings, summary or
cited passages hold them): "Scotland funding" does not show a card about England however
close the rest is. A search with a "quoted phrase" matches cards by their text instead,
as it does passages: the cards whose phrasings or summary hold every phrase as whole words
(any case), closest first, however far the rest of the search is. A topic or source filter
keeps the cards that cite a passage of that topic or source. Cards come on the first page
of results only; later pages are more of the passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer.cards import closeness, speaks_to
from assistant.evidence.cards import LABEL, Card
from assistant.lookup.finder import Lookup, Query, lookup_payload, phrase_pattern

if TYPE_CHECKING:
    from assistant.search.engine import Engine
    from assistant.search.index import EvidenceIndex

MAX_CARDS = 3
# The closest phrasing must be at least this near the search. Both figures were chosen
# with the retrieval questions of eval/questions.yaml (`python -m
# assistant.tools.search_cards`): looser, and more of the cards shown are beside the point.
MIN_COSINE = 0.45
# A second or third card must be nearly as close as the first: a search for "mother and
# baby unit" shows the card about units, not one that only shares a word or two with it.
MAX_SPREAD = 0.15
# Cards considered, closest first, for a search without quoted phrases: a long search is
# near many cards yet spoken to by few, and no card further down has been shown.
CANDIDATES = 30


@dataclass(frozen=True)
class CardHit:
    """A card a search shows, and how close its nearest phrasing is."""

    card: Card
    cosine: float


def search_cards(
    engine: Engine, query: Query, page: int = 1, min_cosine: float = MIN_COSINE
) -> tuple[CardHit, ...]:
    """Up to :data:`MAX_CARDS` cards for ``query``, closest first; none after page 1."""
    index = engine.index
    if page != 1 or not index.cards or not query.retrieval_text:
        return ()
    vector = engine.embed(query.retrieval_text)  # the vector the passage search used
    terms = index.lexical.query_terms(query.retrieval_text)
    near = closeness(index, vector)
    found: list[CardHit] = []
    order = np.argsort(-near, kind="stable")
    for number in order if query.phrases else order[:CANDIDATES]:
        card, cosine = index.cards[int(number)], float(near[number])
        if len(found) == MAX_CARDS or not (query.phrases or _near(cosine, found, min_cosine)):
            break
        if _allowed(index, card, query) and speaks_to(index, card, terms):
            found.append(CardHit(card, round(cosine, 4)))
    return tuple(found)


def _near(cosine: float, found: list[CardHit], min_cosine: float) -> bool:
    """Close enough to the search, and to the first card shown."""
    return cosine >= min_cosine and (not found or cosine >= found[0].cosine - MAX_SPREAD)


def _allowed(index: EvidenceIndex, card: Card, query: Query) -> bool:
    """Does the card pass the search's filters and hold its exact phrases?"""
    text = "\n".join((*card.questions, card.answer))
    if not all(phrase_pattern(p).search(text) for p in query.phrases):
        return False
    if query.topic is None and query.source is None:
        return True
    cited = [index.passages[index.by_id[i]] for i in card.passage_ids() if i in index.by_id]
    return any(
        (query.topic is None or p.topic == query.topic)
        and (query.source is None or query.source in p.source_ids)
        for p in cited
    )


def card_dict(index: EvidenceIndex, hit: CardHit, base_url: str) -> dict[str, Any]:
    """One card as ``/api/search`` returns it, beside (never among) the passage results."""
    card = hit.card
    return {
        "kind": "card",
        "card_id": card.id,
        "question": card.questions[0],
        "answer": card.answer,
        "sentences": [
            {"text": s.text, "citations": _cited(index, card, s.cites)} for s in card.sentences
        ],
        "label": LABEL,
        "reviewed": card.reviewed,
        "under_review": card.under_review,
        "step": card.step,
        "score": hit.cosine,
        "url": f"{base_url.rstrip('/')}/answers/{card.id}",
    }


def _cited(index: EvidenceIndex, card: Card, refs: tuple[str, ...]) -> list[str]:
    """The current passage ids a sentence's references resolve to, in order, once each."""
    ids = (i for ref in refs for i in card.resolved.get(ref, ()) if i in index.by_id)
    return list(dict.fromkeys(ids))


def search_payload(
    engine: Engine, found: Lookup, cards: tuple[CardHit, ...], base_url: str
) -> dict[str, Any]:
    """The JSON of ``/api/search`` (and ``search --json``): the passages and, apart, the cards."""
    payload = lookup_payload(engine, found, base_url)
    payload["cards"] = [card_dict(engine.index, hit, base_url) for hit in cards]
    return payload
