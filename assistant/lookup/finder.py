"""Staff evidence lookup: filtered search with facets, exact phrases and highlight offsets.

A query may hold phrases in double quotes; every phrase must then appear, as whole words
and case-insensitively, in the passage's text, heading or section. Facet counts are
computed over the candidate results, the passages that the query matches at all before
the topic and source filters: the topic counts honour the chosen source and the source
counts honour the chosen topic, so each count is the number of results that clicking it
shows.

Highlights are character offsets into ``Passage.text`` (and its heading): the words whose
stem is a stem of a query word outside the quotes, every whole match of a quoted phrase
(so "Section 75" marks neither "Section 71" nor a lone "section"), and the sentence
closest to the query by the sentence vectors stored in the index. Nothing here builds a
pattern from unescaped query text, and rendering is left to autoescaping templates or
DOM text nodes.

Results come a page at a time; every candidate result is reachable by paging, and a
phrase search considers every passage, not only the best-ranked candidates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import ValidationError
from assistant.evidence.corpus import Passage
from assistant.lookup.cite import passage_reference, permalink
from assistant.lookup.facets import Counted, FacetTable
from assistant.lookup.highlight import segments
from assistant.lookup.results import result_dict
from assistant.search.lexical import stem_words, tokenize
from assistant.search.phrases import (
    FOLDS_TO_ASCII,
    joined_text,
    plain_word,
)
from assistant.search.phrases import phrase_pattern as phrase_pattern  # answer's card search
from assistant.search.retrieval import Hit, Hits, SearchResult

if TYPE_CHECKING:
    from assistant.search.engine import Engine
    from assistant.search.index import EvidenceIndex

Span = tuple[int, int]
CANDIDATES = 50
# A candidate needs a query word in it, or this much cosine similarity to the query.
MIN_SIMILARITY = 0.25
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"'})
_PHRASE_RE = re.compile(r'"([^"]*)"')
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """A parsed lookup: free text for retrieval, phrases that must appear, filters."""

    text: str
    phrases: tuple[str, ...] = ()
    topic: str | None = None
    source: str | None = None

    @property
    def retrieval_text(self) -> str:
        return " ".join(_PHRASE_RE.sub(r" \1 ", self.text).replace('"', " ").split())

    @property
    def free_text(self) -> str:
        """The words outside the quoted phrases: the ones highlighted one by one."""
        return " ".join(_PHRASE_RE.sub(" ", self.text).replace('"', " ").split())


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Match:
    """One result: the retrieval hit and where to highlight its text."""

    hit: Hit
    terms: tuple[Span, ...]
    sentence: Span | None
    heading_terms: tuple[Span, ...] = ()

    @property
    def passage(self) -> Passage:
        return self.hit.passage


@dataclass(frozen=True)
class Lookup:
    query: Query
    matches: tuple[Match, ...]
    total: int
    topics: tuple[Facet, ...]
    sources: tuple[Facet, ...]
    confidence: float
    abstained: bool
    page: int = 1
    per_page: int = 10

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The number of the first result on this page (1-based; 0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.matches else 0

    @property
    def last(self) -> int:
        return self.first + len(self.matches) - 1 if self.matches else 0


def page_numbers(page: int, pages: int, around: int = 1) -> list[int | None]:
    """The page links to show: first, last and ``around`` either side of ``page``; None
    stands for a gap ("…")."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def check_page(value: object) -> int:
    """The results page asked for, from 1; a ValidationError for anything else."""
    if value is None or value == "":
        return 1
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1 or len(text) > 6:
        raise ValidationError("'page' must be a whole number from 1")
    return int(text)


def parse_query(text: str, topic: str | None = None, source: str | None = None) -> Query:
    """Split out quoted phrases (straight or curly quotes); blank filters become None."""
    text = text.translate(_QUOTES)
    phrases = tuple(" ".join(p.split()) for p in _PHRASE_RE.findall(text) if p.strip())
    return Query(text, phrases, topic or None, source or None)


def lookup(
    engine: Engine, query: Query, k: int, page: int = 1, candidates: int = CANDIDATES
) -> Lookup:
    """Page ``page`` of ``k`` matches after filters, with facets over all candidates.

    A page past the last one is a ValidationError naming how many pages there are. Staff
    repeat and refine the same searches, so results are remembered per engine.
    """
    if not query.retrieval_text:
        raise ValidationError("the search has no words in it; type a word or a phrase")
    if query.phrases:
        candidates = max(candidates, len(engine.index.passages))
    found = engine.cached(
        ("lookup", query, k, page, candidates),
        lambda: _lookup(engine, query, k, page, candidates),
    )
    if page > found.pages:
        raise ValidationError(
            f"there {'is' if found.pages == 1 else 'are'} only {found.pages} "
            f"page{'' if found.pages == 1 else 's'} of results; 'page' must be from 1 to "
            f"{found.pages}"
        )
    return found


def _lookup(engine: Engine, query: Query, k: int, page: int, candidates: int) -> Lookup:
    within = phrase_positions(engine.index, query.phrases) if query.phrases else None
    result = engine.search(query.retrieval_text, candidates, within=within)
    hits = result.hits
    relevant = [True] * len(hits) if query.phrases else [_relevant(h) for h in hits]
    pool = np.flatnonzero(np.asarray(relevant, dtype=bool))
    positions = _positions(hits)[pool]
    table = facet_table(engine.index)
    in_topic = table.keep(positions, query.topic, None)
    citing = table.keep(positions, None, query.source)
    chosen = pool[in_topic & citing]
    stems = query_stems(query.free_text)
    shown = [hits[int(n)] for n in chosen[(page - 1) * k : page * k]]
    matches = tuple(_match(engine, result, h, stems, query.phrases) for h in shown)
    of_source = positions[citing]
    of_topic = positions[in_topic]
    sources = {sid: s.title for sid, s in engine.index.sources.items()}
    return Lookup(
        query=query,
        matches=matches,
        total=len(chosen),
        topics=_facets(table.topic_counts(of_source), engine.index.topics),
        sources=_facets(table.source_counts(of_topic), sources),
        confidence=result.confidence,
        abstained=result.abstained,
        page=page,
        per_page=k,
    )


def _positions(hits: Sequence[Hit]) -> np.ndarray:
    if isinstance(hits, Hits):
        return hits.positions
    return np.fromiter((h.position for h in hits), dtype=np.int64, count=len(hits))


def facet_table(index: EvidenceIndex) -> FacetTable:
    """The index's :class:`FacetTable`, made on the first lookup of the process."""
    return index.derived(FacetTable, lambda: FacetTable(index.passages))


def _relevant(hit: Hit) -> bool:
    return hit.lexical > 0 or hit.dense >= MIN_SIMILARITY


def _facets(counted: list[Counted], labels: dict[str, str]) -> tuple[Facet, ...]:
    """Most results first, then by label; equal ones in order of their first result."""
    ranked = sorted(counted, key=lambda c: (-c.count, labels.get(c.value, c.value), c.first))
    return tuple(Facet(c.value, labels.get(c.value, c.value), c.count) for c in ranked)


def phrase_positions(index: EvidenceIndex, phrases: tuple[str, ...]) -> np.ndarray:
    """Positions of the passages whose text, heading or section holds every phrase as
    whole words (any case).

    The build's phrase index answers for phrases of plain words (see
    :class:`~assistant.search.phrases.PhraseIndex`) without reading any passage; other
    phrases, and every phrase of a build without that index, are found by
    :func:`read_positions` among the passages the first ones left."""
    held: np.ndarray | None = None
    rest = []
    for phrase in phrases:
        found = index.phrases.holding(phrase) if index.phrases is not None else None
        if found is None:
            rest.append(phrase)
        else:
            held = found if held is None else np.intersect1d(held, found, assume_unique=True)
    if held is not None and (not rest or not len(held)):
        return held
    return read_positions(index, tuple(rest), held)


def read_positions(
    index: EvidenceIndex, phrases: tuple[str, ...], within: np.ndarray | None = None
) -> np.ndarray:
    """:func:`phrase_positions` by reading passages (among ``within``, if given).

    Only passages holding the stems of the phrases' words are read: a phrase matches
    whole words only, so each run of letters and digits in it is a whole term of any text
    that holds it, and the BM25 text includes the section, so headings are narrowed the
    same way. Words with non-ASCII letters, whose case rules differ between the pattern
    and the terms, do not narrow; marks without case ("£300", "2019–20") do not stop a
    word narrowing (see :func:`plain_word`). The passages left are read with
    :class:`PhraseCheck`."""
    stems = [
        stem
        for phrase in phrases
        for found in tokenize([w for w in phrase.split() if plain_word(w)])
        for stem in found
    ]
    candidates = index.lexical.holding_all(stems)
    if within is not None:
        candidates = within if candidates is None else np.intersect1d(candidates, within)
    pool = range(len(index.passages)) if candidates is None else candidates.tolist()
    checks = [PhraseCheck(p) for p in phrases]
    passages = index.passages
    keep = [i for i in pool if _holds_all(checks, passages[i])]
    return np.asarray(keep, dtype=np.int64)


def _holds_all(checks: list[PhraseCheck], passage: Passage) -> bool:
    """Whether the passage's text, heading or section holds every phrase. The text alone
    is read first: a match there is a match in all three joined by line breaks."""
    text = passage.text
    folded = folded_text(text)
    joined: tuple[str, str | None] | None = None
    for check in checks:
        if check.holds(text, folded):
            continue
        if joined is None:
            whole = joined_text(text, passage.heading, passage.section)
            joined = (whole, folded_text(whole))
        if not check.holds(*joined):
            return False
    return True


def folded_text(text: str) -> str | None:
    """``text`` lower-cased, when that shows exactly where an ASCII word can match it."""
    if text.isascii() or not any(c in text for c in FOLDS_TO_ASCII):
        return text.lower()
    return None


class PhraseCheck:
    """Whether a text holds a phrase: :func:`phrase_pattern`'s answer, found faster.

    The pattern has no literal start for the regex engine to look for (it opens with a
    whole-word check and ignores case), so searching a passage with it steps through
    every character in Python's regex machine. A match can only start where the
    lower-cased text holds the phrase's first word, so a C-speed ``str.find`` rules most
    passages out and names the only places the pattern need be tried; texts lower-casing
    does not describe exactly (see :func:`folded_text`) get the pattern alone."""

    def __init__(self, phrase: str) -> None:
        self.pattern = phrase_pattern(phrase)
        words = phrase.split()
        self.first = words[0].lower() if words and plain_word(words[0]) else None

    def holds(self, text: str, folded: str | None) -> bool:
        """Whether ``text`` holds the phrase; ``folded`` is :func:`folded_text` of it."""
        if folded is None or self.first is None:
            return self.pattern.search(text) is not None
        at = folded.find(self.first)
        while at >= 0:
            if self.pattern.match(text, at):
                return True
            at = folded.find(self.first, at + 1)
        return False


def _match(
    engine: Engine, result: SearchResult, hit: Hit, stems: frozenset[str], phrases: tuple[str, ...]
) -> Match:
    text, heading = hit.passage.text, hit.passage.heading
    terms = term_spans(text, stems) + phrase_spans(text, phrases)
    heading_terms = term_spans(heading, stems) + phrase_spans(heading, phrases)
    sentence = best_sentence(engine, hit.position, result.query_vector)
    return Match(hit, tuple(sorted(terms)), sentence, tuple(sorted(heading_terms)))


def query_stems(query: str) -> frozenset[str]:
    """Stems of the query's words, without stop words: the terms BM25 searched for."""
    return frozenset(tokenize([query])[0])


def term_spans(text: str, stems: frozenset[str]) -> list[Span]:
    """Offsets of the words of ``text`` whose stem is one of ``stems``."""
    if not stems:
        return []
    return [span for span, stem in _word_stems(text) if stem in stems]


@lru_cache(maxsize=4096)
def _word_stems(text: str) -> tuple[tuple[Span, str], ...]:
    """Each word's span and stem; cached, as the same passages come back query after query."""
    found = list(_WORD_RE.finditer(text))
    stems = stem_words([m.group().casefold() for m in found])
    return tuple((m.span(), stem) for m, stem in zip(found, stems, strict=True))


def phrase_spans(text: str, phrases: tuple[str, ...]) -> list[Span]:
    """Offsets of every whole-word, case-insensitive occurrence of each phrase."""
    return [m.span() for phrase in phrases for m in phrase_pattern(phrase).finditer(text)]


def best_sentence(engine: Engine, position: int, query_vector: np.ndarray) -> Span | None:
    """The passage's sentence nearest the query, from the index's sentence vectors."""
    index = engine.index
    numbers = index.sentences_of.get(position, [])
    if not numbers:
        return None
    scores = index.sentence_vectors[numbers] @ query_vector
    ref = index.sentences[numbers[int(np.argmax(scores))]]
    return (ref.start, ref.end)


@dataclass(frozen=True)
class Piece:
    text: str
    term: bool


@dataclass(frozen=True)
class Run:
    """Consecutive pieces inside (or outside) the best sentence."""

    pieces: tuple[Piece, ...]
    sentence: bool


def marked(text: str, terms: tuple[Span, ...], sentence: Span | None) -> list[Run]:
    """``text`` cut into runs (best sentence or not) of pieces (query term or not)."""
    cuts = [(0, False), (len(text), False)]
    if sentence:
        cuts = [(0, False), (sentence[0], True), (sentence[1], False), (len(text), False)]
    runs: list[Run] = []
    for (start, inside), (end, _next) in pairwise(cuts):
        if start >= end:
            continue
        local = [(max(a, start) - start, min(b, end) - start) for a, b in terms]
        pieces = tuple(Piece(s, m) for s, m in segments(text[start:end], local))
        runs.append(Run(pieces, inside))
    return runs


def check_filters(engine: Engine, topic: str | None, source: str | None) -> None:
    """A ValidationError for a topic or source the index does not have."""
    if topic and topic not in engine.index.topics:
        raise ValidationError(f"there is no topic {topic!r}; leave 'topic' empty for all topics")
    if source and source not in engine.index.sources:
        raise ValidationError(f"there is no source {source!r}; leave 'source' empty for all")


def lookup_payload(engine: Engine, found: Lookup, base_url: str) -> dict[str, Any]:
    """The JSON shape of ``/api/search``: the core keys plus filters, facets, highlights."""
    results = []
    for m in found.matches:
        row = result_dict(engine, m.hit)
        row["heading"] = m.passage.heading
        row["heading_highlights"] = [list(span) for span in m.heading_terms]
        row["highlights"] = [list(span) for span in m.terms]
        row["sentence"] = list(m.sentence) if m.sentence else None
        row["reference"] = passage_reference(m.passage, engine.index.sources)
        row["permalink"] = permalink(base_url, m.passage.id)
        results.append(row)
    return {
        "query": found.query.text,
        "results": results,
        "confidence": found.confidence,
        "abstained": not results or found.abstained,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "page_numbers": page_numbers(found.page, found.pages),
        "per_page": found.per_page,
        "first": found.first,
        "last": found.last,
        "topic": found.query.topic,
        "source": found.query.source,
        "phrases": list(found.query.phrases),
        "facets": {
            "topics": [_facet_dict(f) for f in found.topics],
            "sources": [_facet_dict(f) for f in found.sources],
        },
    }


def _facet_dict(facet: Facet) -> dict[str, Any]:
    """``asdict(facet)`` without its deep copy (a phrase's facets list hundreds of sources)."""
    return {"value": facet.value, "label": facet.label, "count": facet.count}
