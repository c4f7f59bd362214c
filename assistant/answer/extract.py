"""Question-aware extracts: which sentences of the retrieved passages answer the question.

Each candidate sentence (from the top passages) is scored by a blend of

- its cosine to the question (sentence vectors are computed at build time);
- the idf-weighted share of the question's key terms it contains, so "England", "NICE",
  "cost" or "VIG" pull the sentences that say them (a term only its passage's heading
  says counts half);
- what the question asks for: a count or amount wants a figure (of the asked place, the
  latest year first; a year the question names is preferred as a place is), "what is" a
  definition, "is it effective" a finding from a trial or review, "how do I" guidance,
  "how do we measure" a measure or tool; a sentence that only describes a publication
  ("Chapter 8 closes with a table") is marked down.

A sentence that must bring the sentence it leans on ("It cautioned that...") is judged
half-way between the two, since the reader gets both. After the first sentence, one that
says a part of the question the chosen sentences do not ("...and for what ages?") gains.
Sentences that repeat a figure or say nearly the same as one already chosen are skipped,
and for a follow-up, sentences the earlier answers already quoted are marked down.
Nothing is rewritten: the chosen sentences are quoted as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import numpy as np

from assistant.answer.intent import Intent, intent_of
from assistant.evidence.text import normalise
from assistant.search.index import EvidenceIndex
from assistant.search.lexical import Term, tokenize
from assistant.search.retrieval import SearchResult

PASSAGES_CONSIDERED = 5
SCORE_WINDOW = 0.14
REDUNDANT = 0.85
# Two sentences giving the same figure repeat each other only when they also say much the
# same: "46 teams in the UK" twice, not "a 10-week course" and "10 weeks of sessions".
SAME_FIGURE_SIMILARITY = 0.75
RANK_WEIGHT = 0.03
DENSE_WEIGHT = 0.55
TERM_WEIGHT = 0.35
TYPE_WEIGHT = 0.12
ABOUT_PUBLICATION_PENALTY = 0.10
PLACE_WEIGHT = 0.08
# A follow-up should add to what the reader has already been shown, not repeat it; a
# sentence already quoted wins again only when nothing else comes close.
SHOWN_PENALTY = 0.10
CARRIED_WEIGHT = 0.3
# A follow-up's sentences from a passage that says none of the conversation's words lose
# this much: "what does it cost?" after Circle of Security must not quote another
# subject's costs because the passage speaks of cost.
OFF_TOPIC_PENALTY = 0.15
FOCUS_WEIGHT = 0.3
# A sentence quoted only with the weaker one it leans on moves this far towards it.
GROUP_WEIGHT = 0.5
# After the first sentence: bonus per share of the question's term weight not yet said.
NOVEL_WEIGHT = 0.3
# A question word that a sentence does not say but its passage's heading does counts this
# share of its weight.
HEADING_SHARE = 0.5


class Kind(Enum):
    COUNT = "count"  # how many, how much, what proportion, cost
    EFFECT = "effect"  # is it effective, does it work, what is the evidence
    HOWTO = "howto"  # how do I, should we, what steps
    MEASURE = "measure"  # how do we measure, assess, monitor, know it worked
    DEFINE = "define"  # what is, who are
    WHEN = "when"  # when, since when, what year
    WHO = "who"  # who commissions, who runs
    WHERE = "where"  # where, which areas
    WHY = "why"  # why, how come, what are the reasons
    OTHER = "other"


_KINDS = (
    (
        Kind.MEASURE,
        r"\bhow (do|can|should|would|could|will|might|to) ((i|we|you|one|they|the \w+|a \w+) )?"
        r"(measure|evaluate|assess|monitor|track|judge|prove|demonstrate|audit|(know|tell|check|"
        r"show) (if|whether|that))\b|\bwhat (should|do|can|could|must) (i|we|they) (measure|record|"
        r"collect|monitor|track)\b|\b(which|what) (outcome )?(measures|tools|indicators|metrics)\b",
    ),
    (
        Kind.COUNT,
        r"\bhow (many|much|common|often|big|widespread)\b|\bnumber of\b|\bwhat (percentage|"
        r"proportion|share|fraction)\b|\bprevalence\b|\b(cost|costs|price|spend|budget|"
        r"funding|money|roi|return on investment|saving|savings)\b|\bwhat does .* cost\b",
    ),
    (
        Kind.EFFECT,
        r"\b(effective|effectiveness|efficacy|does (it|this|that|they) work|do (they|these) "
        r"work|works?\b|evidence (for|that|on|base)|what did .* find|outcomes? of|impact|"
        r"improve|benefits?|helpful)\b",
    ),
    (
        Kind.HOWTO,
        r"^(so |and |then )?(how (do|can|should|would|could|might) (i|we|you|one|a)|how to|"
        r"what (should|do|must) (i|we)|should (i|we)|where (do|should) (i|we)|what steps|"
        r"what are the steps|what do (i|we) need|can (i|we)|tips|advice)\b",
    ),
    (Kind.DEFINE, r"^(what|who) (is|are|does|do)\b|^(define|definition|meaning)\b|\bmean\b"),
)
# "is it cost-effective?", "is it good value for money?": a judgement, not an amount
_VALUE = re.compile(r"\bcost[- ]effective|\bvalue for money\b|\bworth (it|the (cost|money))\b")
_FIGURE = re.compile(
    r"\d|£|\bper cent\b|%|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|half|third|quarter|"
    r"dozen)\b",
    re.I,
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
# a year or a span of years ("2017-19", "2025/26"), a day of a month, a number that is
# part of a name ("COVID-19", "PHQ-9") or numbers a part of a text or law ("chapter 6",
# "section 75", "statement 3"): none of them is an amount
_YEARS = re.compile(
    r"\b(19[89]\d|20[0-4]\d)(\s*(-|–|/|to)\s*((19|20)?\d\d))?\b|\b\d{1,2}(st|nd|rd|th)? "
    r"(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b|\b[A-Za-z]+[-:]\d+\b|\b(?i:chapters?|sections?|statements?|pages?|parts?|"
    r"schedules?|regulations?|clauses?|paragraphs?|annex|appendix)\s+\d+[A-Z]?\d*\b"
)
_DATE = re.compile(
    r"\b(19[5-9]\d|20[0-4]\d|January|February|March|April|May|June|July|August|"
    r"September|October|November|December|since|until)\b"
)
# A named body or person: two capitalised words running together after the first word,
# an acronym, or a kind of organisation.
_NAMED = re.compile(
    r"\s[A-Z][\w'’-]+\s(?:(?:of|for|and|the)\s)?[A-Z][\w'’-]+|\b[A-Z]{2,}s?\b|\b(council|"
    r"authorit(y|ies)|government|department|board|trust|foundation|charity|committee|"
    r"commissioner|university|service|team|partnership)s?\b"
)
# "how many mother and baby units are there?": the thing counted, up to the verb; a figure
# of something else ("parent-infant teams... fewer than 25 to more than 300 families")
# does not answer it
_HOW_MANY = re.compile(
    r"\bhow many\s+(?!(?:are|is|were|was|of|do|does|did|have|has|had|in|there)\b)"
    r"((?:[\w'’-]+\s+){0,4}?[\w'’-]+?)(?=\s+(?:are|is|were|was|do|does|did|have|has|had|"
    r"will|would|can|could|should|in|there|per|across|for|by|on|get|gets|got|went|received?|"
    r"a|an|each|at|from|with|of|to|take|make|need|work)\b|\s*[?.,!;:]|\s*$)",
    re.I,
)
_PLACE = re.compile(r"\b(in|across|covering|wards?|areas?|regions?|districts?|boroughs?)\b")
_DEFINITION = re.compile(
    r"^\W*([\w'’ -]{0,60}?)\b(is|are|means|refers to|describes|was defined as)\b", re.I
)
_FINDING = re.compile(
    r"\b(trial|randomi[sz]ed|review|meta-analys\w*|studies|study|evaluation|found|finds|"
    r"showed|improv\w*|effect\w*|reduc\w*|significant\w*|no difference|outcomes?)\b",
    re.I,
)
_GUIDANCE = re.compile(
    r"\b(should|start|begin|include|includes|recommend\w*|need to|needs to|consider|"
    r"make sure|plan|agree|map|set out|build|use|ask|involve|identify|describe|state|"
    r"show|cost|step)\b",
    re.I,
)
# a sentence that says what is measured or with what: a measure, a tool, a scale
_MEASURED = re.compile(
    r"\b(measur\w*|indicators?|metrics?|tools?|scales?|questionnaires?|scor(e|es|ed|ing)|"
    r"rat(ed|ing|ings)|assess(ed|ment|ments)|recorded|collected|audit\w*|baseline|"
    r"before and after|validat\w*|reliab\w*)\b",
    re.I,
)
_ABOUT_PUBLICATION = re.compile(
    r"^\W*(the |this |its |each |a )?(report|chapter|toolkit|page|paper|summary|guide|"
    r"document|section|article|briefing|website|series|tool|module|table|appendix)s?\b"
    r"[^.]{0,80}\b(covers|closes|opens|ends|begins|describes|contains|lists|includes|"
    r"explains|discusses|has|is (divided|organised|structured))\b",
    re.I,
)
_REASON = re.compile(
    r"\b(because|due to|owing to|as a result|result(ed|s)? (of|from)|led to|leads? to|"
    r"caus\w*|reasons?|pointed to|blamed|driven by|so that|in order to|since|explain\w*|"
    r"barriers?|pressures?|lack of|cuts?)\b",
    re.I,
)
_CAVEAT = re.compile(
    r"\b(differ|differs|vary|varies|depend\w*|however|caveat|note that|quote|fewer than|"
    r"not all|only|estimate[sd]?|uncertain)\b",
    re.I,
)
PLACES = {
    "england": ("england", "english"),
    "uk": ("uk", "united kingdom", "britain", "british"),
    "scotland": ("scotland", "scottish"),
    "wales": ("wales", "welsh"),
    "northern ireland": ("northern ireland",),
    "london": ("london",),
    # England's regions, as commissioners name them
    "north east": ("north east", "north-east"),
    "north west": ("north west", "north-west"),
    "yorkshire": ("yorkshire",),
    "midlands": ("midlands",),
    "east of england": ("east of england",),
    "south east": ("south east", "south-east"),
    "south west": ("south west", "south-west"),
}


_PLACE_OF = {word: place for place, words in PLACES.items() for word in words}
# one pass over a text for every place name, longest names first
_PLACE_NAMES = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_PLACE_OF, key=len, reverse=True)) + r")\b",
    re.I,
)


@dataclass(frozen=True)
class Chosen:
    rank: int  # of the hit in the search result
    sentence: int  # position in index.sentences
    score: float


_BY_INTENT = {
    Intent.WHEN: Kind.WHEN,
    Intent.WHO: Kind.WHO,
    Intent.WHERE: Kind.WHERE,
    Intent.WHY: Kind.WHY,
}


def kind_of(question: str) -> Kind:
    by_intent = _BY_INTENT.get(intent_of(question))
    if by_intent is not None:
        return by_intent
    text = question.lower().strip()
    if _VALUE.search(text):
        return Kind.EFFECT
    for kind, pattern in _KINDS:
        if re.search(pattern, text):
            return kind
    return Kind.OTHER


def years_in(text: str) -> set[str]:
    """The years (1980 to 2049) that ``text`` names."""
    return set(_YEAR.findall(text))


def places_in(text: str) -> set[str]:
    """The places of :data:`PLACES` that ``text`` names."""
    return {_PLACE_OF[m.group().lower()] for m in _PLACE_NAMES.finditer(text)}


def choose(
    result: SearchResult,
    index: EvidenceIndex,
    terms: list[str],
    max_sentences: int,
    question: str | None = None,
    shown: str = "",
    focus: np.ndarray | None = None,
) -> list[Chosen]:
    """The best 1..``max_sentences`` sentences for the question, best first.

    ``question`` is what the user asked (its kind and places steer the choice);
    ``result.query`` what was searched, which for a follow-up carries earlier words;
    ``shown`` the text of the earlier answers a follow-up leans on."""
    kind = kind_of(question or result.query)
    vector = result.query_vector
    if focus is not None:
        # a follow-up's sentences are judged partly by the question alone, not only by
        # the conversation, so the one that says what is asked now can win
        blend = FOCUS_WEIGHT * focus + (1.0 - FOCUS_WEIGHT) * vector
        vector = blend / float(np.linalg.norm(blend))
    asked_places = places_in(result.query)
    asked_years = years_in(result.query)
    counted = counted_terms(index, question or result.query) if kind is Kind.COUNT else []
    weights = {t: index.lexical.idf(t) for t in dict.fromkeys(terms)}
    carried: set[str] = set()
    if question and question != result.query:
        # a follow-up's borrowed words found the passages; within them, the sentence
        # that says what the reader asked now should win
        own = {t for term in index.lexical.query_terms(question) for t in term.stems()}
        carried = set(weights) - own
        weights = {t: w * (1.0 if t in own else CARRIED_WEIGHT) for t, w in weights.items()}
    total = sum(weights.values())
    off_topic = _off_topic(index, result, carried) if carried else set()
    candidates = [
        Chosen(
            rank,
            n,
            _score(index, n, vector, weights, total, kind, asked_places, rank, counted, asked_years)
            - (SHOWN_PENALTY if shown and normalise(sentence_text(index, n)) in shown else 0.0)
            - (OFF_TOPIC_PENALTY if hit.position in off_topic else 0.0),
        )
        for rank, hit in enumerate(result.hits[:PASSAGES_CONSIDERED])
        for n in index.sentences_of.get(hit.position, [])
    ]
    by_n = {c.sentence: c.score for c in candidates}
    candidates = [
        Chosen(
            c.rank, c.sentence, c.score - GROUP_WEIGHT * max(0.0, c.score - by_n[c.sentence - 1])
        )
        if c.sentence - 1 in by_n and _points_back(index, c.sentence)
        else c
        for c in candidates
    ]
    candidates.sort(key=lambda c: -c.score)
    picked: list[Chosen] = []
    top = candidates[0].score if candidates else 0.0
    covered: set[str] = set()
    remaining = list(candidates)
    while remaining and len(picked) < max_sentences:
        # after the first sentence, one that says a part of the question not yet answered
        # ("how many items, and what age?") comes before one that says the same part again
        gains = [_with_novelty(index, c, weights, total, covered) for c in remaining]
        best = max(range(len(remaining)), key=gains.__getitem__)
        c = remaining[best]
        if gains[best] < top - SCORE_WINDOW:
            break
        remaining.remove(c)
        if _repeats(index, c.sentence, [p.sentence for p in picked]):
            continue
        group = [
            Chosen(c.rank, m, c.score)
            for m in _with_antecedent(index, c.sentence)
            if all(p.sentence != m for p in picked)
        ]
        if len(picked) + len(group) <= max(max_sentences, len(group)):
            picked.extend(group)
            for g in group:
                covered |= index.sentence_terms(g.sentence)
    if picked and len(picked) < max_sentences:
        # "This covered core demographics...": the lead sentence keeps the sentence that
        # goes on to say what it means, as it keeps the one it leans on
        lead = picked[0]
        after = lead.sentence + 1
        same = after < len(index.sentences) and (
            index.sentences[after].passage == index.sentences[lead.sentence].passage
        )
        if (
            same
            and (
                _points_back(index, after) or _ANNOUNCES.search(sentence_text(index, lead.sentence))
            )
            and all(p.sentence != after for p in picked)
            and not (shown and normalise(sentence_text(index, after)) in shown)
        ):
            picked.insert(1, Chosen(lead.rank, after, lead.score))
    return picked


def _off_topic(index: EvidenceIndex, result: SearchResult, carried: set[str]) -> set[int]:
    """Positions of the passages considered that say none of the ``carried`` terms."""
    return {
        hit.position
        for hit in result.hits[:PASSAGES_CONSIDERED]
        if not any(
            carried & index.sentence_terms(n) for n in index.sentences_of.get(hit.position, [])
        )
    }


def _with_novelty(
    index: EvidenceIndex, c: Chosen, weights: dict[str, float], total: float, covered: set[str]
) -> float:
    """The candidate's score, plus the share of the question's term weight (``total``) it
    says that the sentences already chosen (whose terms are ``covered``) do not."""
    if not covered or not total:
        return c.score
    held = index.sentence_terms(c.sentence)
    new = sum(w for t, w in weights.items() if t not in covered and t in held)
    return c.score + NOVEL_WEIGHT * new / total


def _score(
    index: EvidenceIndex,
    n: int,
    vector: np.ndarray,
    weights: dict[str, float],
    total: float,
    kind: Kind,
    asked_places: set[str],
    rank: int,
    counted: list[Term] | None = None,
    asked_years: set[str] | None = None,
) -> float:
    """Sentence ``n``'s score; ``total`` is the sum of the question's term ``weights``;
    ``counted`` the thing a "how many" question counts; ``asked_years`` the years the
    question names ("What did the Committee recommend in 2019?")."""
    text = sentence_text(index, n)
    dense = float(index.sentence_vectors[n] @ vector)
    held = index.sentence_terms(n)
    # the passage's heading says what its sentences are about: "PIIOS reliability and
    # validity" heads the sentence on raters agreeing, which never says "reliable"
    headed = _heading_terms(index, index.sentences[n].passage)
    said = sum(
        w if t in held else HEADING_SHARE * w
        for t, w in weights.items()
        if t in headed or t in held
    )
    terms = said / total if total else 0.0
    score = DENSE_WEIGHT * dense + TERM_WEIGHT * terms - RANK_WEIGHT * rank
    if not counted or any(t.held_by(held) for t in counted):
        score += TYPE_WEIGHT * _fits(kind, text)
    if _ABOUT_PUBLICATION.search(text) and kind is not Kind.DEFINE:
        score -= ABOUT_PUBLICATION_PENALTY
    if asked_places:
        score += PLACE_WEIGHT * _agreement(asked_places, places_in(text))
    if asked_years:
        score += PLACE_WEIGHT * _agreement(asked_years, years_in(text))
    return score


def _agreement(asked: set[str], named: set[str]) -> float:
    """1 if a sentence names a place or year asked about, -0.5 if it names only others."""
    return 1.0 if named & asked else -0.5 if named else 0.0


def _heading_terms(index: EvidenceIndex, position: int) -> frozenset[str]:
    """The stemmed terms of the heading of the passage at ``position``."""
    return index.derived(
        ("heading terms", position),
        lambda: frozenset(tokenize([index.passages[position].heading])[0]),
    )


def counted_terms(index: EvidenceIndex, question: str) -> list[Term]:
    """The terms of the thing a "how many" question counts (with the question's synonyms
    for them), or none."""
    found = _HOW_MANY.search(question)
    if found is None:
        return []
    stems = set(tokenize([found.group(1)])[0])
    return [t for t in index.lexical.query_terms(question) if stems & set(t.alternatives[0])]


def _fits(kind: Kind, text: str) -> float:
    """0..1: how well the sentence is the kind of statement the question asks for."""
    if kind is Kind.COUNT:
        if not has_amount(text):
            return 0.2 if _YEAR.search(text) else 0.0
        years = [int(y) for y in _YEAR.findall(text)]
        recency = (max(years) - 2000) / 30 if years else 0.3
        return 0.7 + 0.2 * min(1.0, recency) + (0.1 if _CAVEAT.search(text) else 0.0)
    if kind is Kind.EFFECT:
        return 1.0 if _FINDING.search(text) else 0.0
    if kind is Kind.HOWTO:
        return 1.0 if _GUIDANCE.search(text) else 0.0
    if kind is Kind.MEASURE:
        return 1.0 if _MEASURED.search(text) else 0.0
    if kind is Kind.DEFINE:
        return 1.0 if _DEFINITION.match(text) else 0.0
    if kind is Kind.WHEN:
        return 1.0 if _DATE.search(text) else 0.0
    if kind is Kind.WHO:
        return 1.0 if _NAMED.search(text) else 0.0
    if kind is Kind.WHERE:
        return 1.0 if _PLACE.search(text) and _NAMED.search(text) else 0.0
    if kind is Kind.WHY:
        return 1.0 if _REASON.search(text) else 0.0
    return 0.0


def has_amount(text: str) -> bool:
    """Does ``text`` give an amount (a figure that is not a year, a date or part of a name)?"""
    return bool(_FIGURE.search(_YEARS.sub("", text)))


def sentence_text(index: EvidenceIndex, n: int) -> str:
    ref = index.sentences[n]
    return index.passages[ref.passage].text[ref.start : ref.end]


def _figures(text: str) -> set[str]:
    """Numbers of two or more digits, years left out: two sentences may share "2019"."""
    numbers = {m for m in re.findall(r"\d[\d,.]*\d|\d", text) if len(m.replace(",", "")) >= 2}
    return numbers - set(_YEAR.findall(text))


def _repeats(index: EvidenceIndex, n: int, chosen: list[int]) -> bool:
    """Nearly the same sentence as one already chosen, or the same figure in a sentence
    close to it."""
    vector = index.sentence_vectors[n]
    figures = _figures(sentence_text(index, n))
    for m in chosen:
        similarity = float(np.dot(vector, index.sentence_vectors[m]))
        if similarity >= REDUNDANT or (
            similarity >= SAME_FIGURE_SIMILARITY
            and bool(figures & _figures(sentence_text(index, m)))
        ):
            return True
    return False


_ANAPHORA = re.compile(
    r"(It|Its|This|These|That|Those|They|Their|Such|Both|He|She|His|Her|The same)\b"
)
# "Solihull describes these two ideas as core", "COSLA set this board up": a
# demonstrative early in the sentence points back as surely as an opening "These".
_EARLY_DEMONSTRATIVE = re.compile(r"^(\S+\s+){1,6}(these|those|this)\s", re.I)
# "Teams should measure outcomes for four reasons.", "Direct award has three variants:":
# a sentence announcing what follows is no answer without the sentence that follows.
_ANNOUNCES = re.compile(
    r"(:\W*$|\b(two|three|four|five|six|seven|several|these|the following) (main |core |key )?"
    r"(reasons|ways|things|parts|ideas|steps|stages|groups|areas|themes|principles|aims|"
    r"variants|routes|elements|components|factors)\b)",
    re.I,
)
# "A needs analysis should therefore include what parents say": a sentence that draws a
# conclusion needs the sentence it draws it from.
_CONCLUSION = re.compile(r"^(\S+\s+){0,10}(therefore|thus|hence|consequently)\b", re.I)


def _with_antecedent(index: EvidenceIndex, n: int) -> list[int]:
    """Sentence ``n``, after the sentence before it when ``n`` opens with "It", "This",
    "They" and the like (or says "these", "those" or "this" in its first words), so a
    quoted sentence never leaves its subject behind."""
    return [n - 1, n] if _points_back(index, n) else [n]


def _points_back(index: EvidenceIndex, n: int) -> bool:
    """Does sentence ``n`` lean on the sentence before it in its passage?"""
    if n <= index.sentences_of[index.sentences[n].passage][0]:
        return False
    text = sentence_text(index, n)
    return bool(
        _ANAPHORA.match(text) or _EARLY_DEMONSTRATIVE.match(text) or _CONCLUSION.match(text)
    )
