"""Key-question cards at answer time: match a question to a card, show it with its passages.

A question matches a card when it is close to one of the card's phrasings (cosine of the
question vector against phrasing vectors computed at build time) and the card speaks to
the question's key terms: a phrasing about England does not answer a question about
Scotland. Cards also supply "questions people ask next": the questions of the cards
closest to the answer, never invented text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from assistant.answer.compose import Answer, AnswerSentence
from assistant.answer.extract import counted_terms, has_amount, places_in, years_in
from assistant.answer.followup import FILLER_WORDS, name_words
from assistant.answer.intent import Intent, asks_effect, compatible, intent_of, speaks_of_effect
from assistant.evidence.cards import LABEL, Card
from assistant.evidence.text import normalise
from assistant.search.citations import Citation, make_citation
from assistant.search.index import EvidenceIndex
from assistant.search.lexical import Term, tokenize
from assistant.search.retrieval import Hit

# A match blends the cosine to the closest phrasing with the share of the question's
# key-term weight the card's phrasings hold (MiniLM scores some plain paraphrases low),
# less the share the whole card (phrasings, summary and cited passages) never mentions:
# a card about England does not answer a question about Scotland. Weights and the
# threshold were chosen with `pair-assistant eval` (the answer table).
COSINE_WEIGHT = 0.65
PHRASING_TERMS_WEIGHT = 0.35
MISSING_TERMS_PENALTY = 0.35
# A card written for another kind of question ("who commissions FNP?" for "what is FNP?")
# loses this much: close in topic, it still does not say what was asked.
INTENT_PENALTY = 0.06
NATIONAL = frozenset(("england", "uk"))
CANDIDATES = 12  # phrasings considered, by cosine
MAX_NEXT = 3
NEXT_MIN_SIMILARITY = 0.45


@dataclass(frozen=True)
class CardMatch:
    card: Card
    score: float
    cosine: float
    # the card's phrasing closest to the question ("" when the card was asked for by id)
    phrasing: str = ""


def cosines(index: EvidenceIndex, vector: np.ndarray) -> np.ndarray:
    """The cosine of ``vector`` to every card phrasing: one product over all phrasings,
    which a reply's card match and its suggested questions share (pass it as ``sims``)."""
    found: np.ndarray = index.phrasing_vectors @ vector
    return found


def best_card(
    index: EvidenceIndex,
    vector: np.ndarray,
    terms: list[Term],
    intent: Intent = Intent.NONE,
    sims: np.ndarray | None = None,
    question: str = "",
) -> CardMatch | None:
    """The card whose phrasing is closest to the question, scored; None with no cards.

    Only the question's topic words count as terms: "is it effective", "how do I" and
    the like say what kind of answer is wanted, which ``intent`` (the question's)
    checks against the intents of the card's phrasings; such words inside a name of the
    ``question`` ("Best Start Family Service") do count. ``sims`` is ``cosines(index,
    vector)`` when the caller has it already."""
    if not index.cards:
        return None
    terms = _topic(terms, question)
    # "Which areas in the North East have a team?" is not answered by Greater Manchester's
    # teams, however close the rest: a card must name the region or nation asked about
    # (England and the UK are what most cards speak of without naming them)
    asked = places_in(question) - NATIONAL
    # "What did the Committee recommend in 2019?" is not answered by its 2026 report: a
    # card must name the year asked about
    years = years_in(question)
    # "Do parent-infant teams work?" is not answered by the card written for "Do teams
    # work with fathers?", nor "Is video feedback effective?" by what VIG is
    effect = asks_effect(question)
    # "How many babies have a parent with a mental health problem?" is not answered by
    # rates per 1,000 births: a card must ask or say the thing a "how many" counts
    counted = counted_terms(index, question)
    # "Which areas have no parent-infant team?" is not answered by the card on the area
    # with a team in every locality: a question about what is missing gets only a card
    # that speaks of something missing
    absent = bool(_ABSENCE.search(question))
    sims = cosines(index, vector) if sims is None else sims
    best: CardMatch | None = None
    seen: set[int] = set()
    first_rows = _first_rows(index)
    for row in np.argsort(-sims)[:CANDIDATES]:
        number = index.phrasing_card[int(row)]
        if number in seen:
            continue
        seen.add(number)
        card, cosine = index.cards[number], float(sims[row])
        if asked and not asked <= _places(index, card):
            continue
        if years and not years <= _years(index, card):
            continue
        if effect and not _on_effect(card.questions):
            continue
        if counted and not any(t.held_by(_asked_or_said(index, card)) for t in counted):
            continue
        if absent and not _speaks_of_absence(card.questions, card.answer):
            continue
        # "How long is the waiting list?" is not answered by a card that lists waiting
        # lists among the arrangements a team needs: a question for an amount gets only a
        # card that gives one
        if intent is Intent.COUNT and not _gives_amount(card.answer):
            continue
        phrased, held = card_terms(index, card)
        score = (
            COSINE_WEIGHT * cosine
            + PHRASING_TERMS_WEIGHT * (1.0 - missing_share(terms, phrased))
            - MISSING_TERMS_PENALTY * missing_share(terms, held)
            - (0.0 if compatible(intent, offered(card)) else INTENT_PENALTY)
        )
        if best is None or score > best.score:
            phrasing = card.questions[int(row) - first_rows[number]]
            best = CardMatch(card, round(score, 4), round(cosine, 4), phrasing)
    return best


def _places(index: EvidenceIndex, card: Card) -> set[str]:
    """The places a card names in its questions, its summary or its cited passages."""
    return index.derived(("card places", card.id), lambda: places_in(_all_text(index, card)))


def _years(index: EvidenceIndex, card: Card) -> set[str]:
    """The years a card names in its questions, its summary or its cited passages."""
    return index.derived(("card years", card.id), lambda: years_in(_all_text(index, card)))


def _all_text(index: EvidenceIndex, card: Card) -> str:
    """A card's questions, summary and cited passages, as one text."""
    cited = [index.passages[index.by_id[i]].text for i in _present(index, card.passage_ids())]
    return " ".join((*card.questions, card.answer, *cited))


def _asked_or_said(index: EvidenceIndex, card: Card) -> frozenset[str]:
    """The stems of a card's questions and summary (not of the passages it cites)."""
    return index.derived(
        ("card asked or said", card.id),
        lambda: card_terms(index, card)[0] | frozenset(tokenize([card.answer])[0]),
    )


_ABSENCE = re.compile(
    r"\b(have|has|had|with|there is|there are|is there|are there)\s+no\b|\b(do|does|did)"
    r"\s*(not|n't)\s+have\b|\bwithout\s+(a|an|any)\b|\black(s|ing)?\b|\bnone\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(no|not|none|without|lack\w*|gaps?|patchy|missing|unable|cannot|fewer|\w+n't)\b", re.I
)


@cache
def _speaks_of_absence(questions: tuple[str, ...], summary: str) -> bool:
    """Does a card asked ``questions`` and saying ``summary`` speak of something missing?"""
    return any(_NEGATION.search(text) for text in (*questions, summary))


@cache
def _gives_amount(summary: str) -> bool:
    """Does a card's ``summary`` give an amount? (Asked of the same cards again and again.)"""
    return has_amount(summary)


@cache
def _on_effect(questions: tuple[str, ...]) -> bool:
    """Was the card asked these ``questions`` written to say whether something works?"""
    return any(speaks_of_effect(q) for q in questions)


def _first_rows(index: EvidenceIndex) -> list[int]:
    """The phrasing row of each card's first question (a card's rows are consecutive)."""

    def compute() -> list[int]:
        firsts = [0] * len(index.cards)
        for row in range(len(index.phrasing_card) - 1, -1, -1):
            firsts[index.phrasing_card[row]] = row
        return firsts

    return index.derived(("card first rows",), compute)


def _topic(terms: list[Term], question: str = "") -> list[Term]:
    """The terms that carry a topic: "how", "work", "effective" and the like dropped,
    unless ``question`` uses them in a name."""
    fillers = _filler_stems()
    named = name_words(question) if question else []
    if named:  # most questions use no filler word in a name: nothing to tokenise
        fillers = fillers - frozenset(tokenize([" ".join(named)])[0])
    return [t for t in terms if not set(t.alternatives[0]) <= fillers]


def topic_terms(index: EvidenceIndex, question: str) -> list[Term]:
    """The key terms of ``question`` that carry a topic."""
    return _topic(index.lexical.query_terms(question), question)


@cache
def _filler_stems() -> frozenset[str]:
    return frozenset(tokenize([FILLER_WORDS])[0])


def offered(card: Card) -> frozenset[Intent]:
    """The intents of a card's phrasings that are questions (key words ask nothing)."""
    return _intents(card.questions)


@cache
def _intents(questions: tuple[str, ...]) -> frozenset[Intent]:
    return frozenset(intent_of(q) for q in questions) - {Intent.NONE}


def match(
    index: EvidenceIndex,
    vector: np.ndarray,
    terms: list[Term],
    threshold: float,
    question: str = "",
    sims: np.ndarray | None = None,
) -> CardMatch | None:
    """The best card if it scores ``threshold`` or more for ``question``."""
    intent = intent_of(question) if question else Intent.NONE
    found = best_card(index, vector, terms, intent, sims, question)
    return found if found is not None and found.score >= threshold else None


def missing_share(terms: list[Term], held: frozenset[str]) -> float:
    """The share of ``terms`` (by weight) that ``held`` does not hold."""
    total = sum(t.weight for t in terms)
    return sum(t.weight for t in terms if not t.held_by(held)) / total if total else 0.0


def speaks_to(index: EvidenceIndex, card: Card, terms: list[Term]) -> bool:
    """Does the card (phrasings, summary or cited passages) mention every topic term?

    "and in Wales?" after a question on Northern Ireland must not get the Northern
    Ireland card, however close the rest of the conversation's words are."""
    return missing_share(_topic(terms), card_terms(index, card)[1]) == 0.0


def continues(index: EvidenceIndex, card: Card, terms: list[Term]) -> bool:
    """Does the card mention any topic term of the conversation a follow-up continues?

    "how many sessions?" after a question on Watch, Wait and Wonder is not answered by a
    card on session numbers in general, however well the short question matches it."""
    topic = _topic(terms)
    return not topic or missing_share(topic, card_terms(index, card)[1]) < 1.0


def already_shown(card: Card, shown: str) -> bool:
    """Was this card the answer the reader just saw? A follow-up wants something new."""
    # shown with or without its opening yes or no (the letter after it capitalised)
    first = _REPLY.sub("", card.sentences[0].text)
    return bool(shown) and normalise(first)[1:] in shown


def card_terms(index: EvidenceIndex, card: Card) -> tuple[frozenset[str], frozenset[str]]:
    """Stems of a card's phrasings, and of everything it speaks to (phrasings, summary,
    cited passages); computed once per index."""
    found = index.card_terms.get(card.id)
    if found is None:
        cited = [index.passages[index.by_id[i]].text for i in _present(index, card.passage_ids())]
        asked, said = tokenize([" ".join(card.questions), " ".join((card.answer, *cited))])
        found = index.card_terms[card.id] = (frozenset(asked), frozenset(asked) | frozenset(said))
    return found


def card_answer(index: EvidenceIndex, found: CardMatch, question: str) -> Answer:
    """The card's summary, numbered citations to its passages, the supporting sentences marked."""
    card = found.card
    text, sentences, citations = index.derived(
        ("card answer", card.id), lambda: _card_parts(index, card)
    )
    if sentences and not _replies_to(index, found, question):
        text, sentences = _without_reply(text, sentences)
    return Answer(
        question=question,
        answer=text,
        sentences=sentences,
        citations=citations,
        abstained=False,
        confidence=found.score,
        extra={
            "kind": "card",
            "card_id": card.id,
            "label": LABEL,
            "reviewed": card.reviewed,
            "under_review": card.under_review,
            "step": card.step,
        },
    )


def _card_parts(
    index: EvidenceIndex, card: Card
) -> tuple[str, tuple[AnswerSentence, ...], tuple[Citation, ...]]:
    """A card's answer text, sentences and citations: they depend on the index alone, so
    they are worked out once per index (finding each claim's supporting sentence was most
    of a card answer's time)."""
    numbers = {pid: n for n, pid in enumerate(_present(index, card.passage_ids()), start=1)}
    spans: dict[str, list[tuple[int, int]]] = {pid: [] for pid in numbers}
    sentences = []
    for s in card.sentences:
        ids = dict.fromkeys(i for r in s.cites for i in card.resolved.get(r, ()) if i in numbers)
        for pid in ids:
            spans[pid].append(_support(index, pid, s.text))
        cited = [numbers[pid] for pid in ids]
        if cited:
            sentences.append(AnswerSentence(s.text, cited[0], tuple(cited)))
    citations = tuple(_citation(index, pid, n, spans[pid]) for pid, n in numbers.items())
    text = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    return text, tuple(sentences), citations


# A card written for "Can we pool budgets?" opens "Yes: under section 75..."; asked "How do
# we pool budgets?" or "section 75 pooled budgets", the bare "Yes" answers nothing asked,
# and asked "Does Northern Ireland have a mother and baby unit?" through the key words
# "Northern Ireland mother and baby unit" of a card on its perinatal teams, it says the
# wrong thing. The same holds for a qualified reply: "How does deprivation affect perinatal
# mental health?" is not answered "Yes, strongly;" and "Is there a national workforce plan
# for parent-infant therapists?" not "Yes:" by a card written for "Is there a shortage of
# parent-infant therapists?". A reply that is itself the finding ("No benefit;", "Only a
# handful:", "Not confirmed:") is kept whatever was asked.
_REPLY = re.compile(r"^(Yes|No)(,\s[^;:]{1,40}|\s(in|for)\s[^;:]{1,40})?[:;]\s+(?=\S)")


# the share of a question's topic (by term weight) the card's questions do not mention
# above which the card's yes or no is a reply to another question
OTHER_QUESTION = 0.5


def _replies_to(index: EvidenceIndex, found: CardMatch, question: str) -> bool:
    """Does the card's opening yes or no answer ``question``? Only if it is a yes-or-no
    question matched through a yes-or-no phrasing, and most of what it asks about (by
    term weight) is what the card's questions ask about: "is there a legal duty on us to
    produce a JSNA?" is still the card's question, a national workforce plan is not a
    shortage."""
    if not _same_yes_or_no(question, found.phrasing or question):
        return False
    terms = topic_terms(index, question)
    return missing_share(terms, card_terms(index, found.card)[0]) < OTHER_QUESTION


def _same_yes_or_no(question: str, phrasing: str) -> bool:
    """Is ``question`` a yes-or-no question matched through a yes-or-no phrasing?"""
    return intent_of(question) is Intent.YESNO and intent_of(phrasing) is Intent.YESNO


def _without_reply(
    text: str, sentences: tuple[AnswerSentence, ...]
) -> tuple[str, tuple[AnswerSentence, ...]]:
    """``text`` and ``sentences`` without a first sentence's opening yes or no."""
    first = sentences[0].text
    opening = _REPLY.match(first)
    if opening is None:
        return text, sentences
    rest = first[opening.end() :]
    rest = rest[0].upper() + rest[1:]
    return rest + text[len(first) :], (replace(sentences[0], text=rest), *sentences[1:])


def _present(index: EvidenceIndex, ids: tuple[str, ...]) -> list[str]:
    return [i for i in ids if i in index.by_id]


def _support(index: EvidenceIndex, pid: str, claim: str) -> tuple[int, int]:
    """The sentence of passage ``pid`` sharing most terms with the card's sentence."""
    position = index.by_id[pid]
    wanted = set(tokenize([claim])[0])
    best = max(
        index.sentences_of.get(position, []),
        key=lambda n: len(wanted & index.sentence_terms(n)),
        default=None,
    )
    if best is None:
        return (0, 0)
    ref = index.sentences[best]
    return (ref.start, ref.end)


def _citation(index: EvidenceIndex, pid: str, n: int, spans: list[tuple[int, int]]) -> Citation:
    position = index.by_id[pid]
    hit = Hit(index.passages[position], position, 1.0, 0.0, 0.0)
    marked = tuple(sorted({s for s in spans if s != (0, 0)}))
    return make_citation(n, hit, index, marked)


def next_questions(
    index: EvidenceIndex,
    vector: np.ndarray,
    skip: str | None = None,
    asked: str = "",
    sims: np.ndarray | None = None,
) -> list[dict[str, str | bool]]:
    """Up to three questions of the cards closest to ``vector``: what people ask next."""
    if not index.cards:
        return []
    best = closeness(index, vector, sims)
    asked_key = asked.strip().lower()
    chosen: list[dict[str, str | bool]] = []
    for card_no in np.argsort(-best):
        card, sim = index.cards[int(card_no)], float(best[card_no])
        if sim < NEXT_MIN_SIMILARITY or len(chosen) == MAX_NEXT:
            break
        if card.id == skip or card.questions[0].strip().lower() == asked_key:
            continue
        chosen.append(suggestion(card))
    return chosen


def closeness(
    index: EvidenceIndex, vector: np.ndarray, sims: np.ndarray | None = None
) -> np.ndarray:
    """Each card's best cosine between ``vector`` and one of its phrasings (-1 without any).

    The phrasings' cosines (``sims``, when the caller has them), grouped by card, are
    reduced with one ``maximum.reduceat``: the same maxima as ``maximum.at`` over the
    card numbers, in a third of the time."""
    best = np.full(len(index.cards), -1.0)
    order, starts, owners = index.derived("phrasings by card", lambda: _phrasings_by_card(index))
    if len(order):
        sims = cosines(index, vector) if sims is None else sims
        most = np.maximum.reduceat(sims[order], starts)
        best[owners] = np.maximum(best[owners], most)
    return best


def _phrasings_by_card(index: EvidenceIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phrasing rows in card order, where each card's run starts, and whose run it is."""
    cards = np.asarray(index.phrasing_card, dtype=np.intp)
    order = np.argsort(cards, kind="stable")
    ordered = cards[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else order
    return order, starts, ordered[starts]


def questions_to_try(
    index: EvidenceIndex,
    vector: np.ndarray,
    step: str | None = None,
    sims: np.ndarray | None = None,
) -> list[dict[str, str | bool]]:
    """Three card questions to offer when the evidence does not cover a question: those of
    the journey step the user is at first, then the cards closest to what was asked."""
    if not index.cards:
        return []
    best = closeness(index, vector, sims)
    order = sorted(
        range(len(index.cards)),
        key=lambda i: (index.cards[i].step != step or step is None, -float(best[i])),
    )
    return [suggestion(index.cards[i]) for i in order[:MAX_NEXT]]


def suggestion(card: Card) -> dict[str, str | bool]:
    """A card offered by its question: the reader sees whether it is under review before
    following it (a flagged card is still offered; its answer says why it is flagged)."""
    return {"question": card.questions[0], "card_id": card.id, "under_review": card.under_review}
