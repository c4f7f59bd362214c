"""Quoted phrases found fast: the same passages as reading each one with the pattern."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.lookup.finder import (
    PhraseCheck,
    folded_text,
    lookup,
    parse_query,
    phrase_pattern,
    read_positions,
)
from assistant.search.engine import Engine
from assistant.search.phrases import FOLDS_TO_ASCII, caseless_mark, plain_word
from assistant.search.retrieval import Hits


def test_the_characters_that_fold_to_ascii_are_all_listed() -> None:
    """Every code point that the ignore-case pattern matches with an ASCII character, or
    that lower-casing turns into ASCII or into two characters, is in the list."""
    ascii_any_case = re.compile("[\x00-\x7f]", re.IGNORECASE)
    found = []
    for code in range(128, sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        lowered = char.lower()
        if len(lowered) != 1 or lowered.isascii() or ascii_any_case.fullmatch(char):
            found.append(char)
    assert sorted(found) == sorted(FOLDS_TO_ASCII)


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("Section 75", "Under section\n75, not Section 750", True),
        ("Section 75", "Under Section 750 and subsection 75", False),
        ("section", "\u017fection 75", True),  # long s: the pattern ignores case with it
        ("kind", "a \u212aIND offer", True),  # Kelvin sign
        ("in", "\u0130n the plan", True),  # dotted capital I lower-cases to two characters
        ("rare jewels", "rarely jewels; Rare  Jewels.", True),
        ("rare jewels", "rarely jewels; Rare Jewelsx", False),
        ("co-production", "Co-Production matters", True),
        ("£300", "under £300 a week", True),
        ("£300", "under £3000 a week", False),
        ("2019–20", "In 2019–20 the board", True),
        ("2019–20", "In 2019–2020 the board", False),
    ],
)
def test_a_phrase_check_answers_as_the_pattern_does(phrase: str, text: str, expected: bool) -> None:
    assert bool(phrase_pattern(phrase).search(text)) is expected
    assert PhraseCheck(phrase).holds(text, folded_text(text)) is expected


_LETTERS = st.sampled_from(
    list("aAbBsSkKiI \n-.") + list(FOLDS_TO_ASCII) + ["é", "É", "ß", "£", "–"]
)


@given(
    words=st.lists(st.text(_LETTERS, min_size=1, max_size=3), min_size=1, max_size=3),
    text=st.text(_LETTERS, max_size=40),
)
def test_a_phrase_check_agrees_with_the_pattern_on_any_text(words: list[str], text: str) -> None:
    phrase = " ".join(w for word in words for w in word.split()) or "a"
    expected = phrase_pattern(phrase).search(text) is not None
    assert PhraseCheck(phrase).holds(text, folded_text(text)) is expected


def test_marks_without_case_match_only_themselves() -> None:
    """A phrase word of ASCII and caseless marks ("£300") is found, ignoring case, only
    where the lower-cased text holds it lower-cased: no character lower-cases to such a
    mark but the mark itself, and the pattern matches nothing else for one."""
    others = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        lowered = char.lower()
        if lowered != char and len(lowered) == 1 and caseless_mark(lowered):
            others.append(char)
    assert others == []
    marks = re.compile("[£–’€°]", re.IGNORECASE)
    assert all(caseless_mark(c) for c in "£–’€°")
    matched = [chr(c) for c in range(sys.maxunicode + 1) if marks.fullmatch(chr(c))]
    assert matched == sorted("£–’€°")
    assert not any(caseless_mark(c) for c in "é½ſ_9aK\u212a")
    assert (
        plain_word("£300")
        and plain_word("2019–20")
        and not plain_word("café")
        and not plain_word("½")
    )


def test_a_word_with_a_pound_sign_narrows_to_the_passages_holding_its_number(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "£300", found by reading passages (as builds without a phrase index find it),
    reads only the passages holding the term 300, not every passage."""
    read: list[str] = []
    holds = PhraseCheck.holds

    def counted(self: PhraseCheck, text: str, folded: str | None) -> bool:
        read.append(text)
        return holds(self, text, folded)

    monkeypatch.setattr(PhraseCheck, "holds", counted)
    found = read_positions(engine.index, ("£300",)).tolist()
    holding = engine.index.lexical.holding_all(["300"])
    # each passage holding the term is read once, and again with its heading and section
    assert found and len(read) <= 2 * len(holding) < len(engine.index.passages) / 10
    passages = engine.index.passages
    expected = [
        i
        for i, p in enumerate(passages)
        if phrase_pattern("£300").search(f"{p.text}\n{p.heading}\n{p.section}")
    ]
    assert found == expected


def test_postings_of_every_word_narrow_to_the_passages_holding_them_all(engine: Engine) -> None:
    lexical = engine.index.lexical
    for terms in (["rare", "jewel"], ["section", "75", "pool"], ["infant"], ["zzzz", "infant"]):
        expected = set.intersection(*(set(lexical.postings(t).tolist()) for t in terms))
        assert lexical.holding_all(terms).tolist() == sorted(expected)
    assert lexical.holding_all([]) is None


def test_a_phrase_search_makes_only_the_hits_it_shows(engine: Engine) -> None:
    found = lookup(engine, parse_query('"parent-infant"'), 10)
    assert found.total > 10 and len(found.matches) == 10
    result = engine.search("parent-infant", len(engine.index.passages), within=np.arange(30))
    assert isinstance(result.hits, Hits)
    assert len(result.hits._made) == 3  # the confidence read the best three
    assert result.hits[-1] == result.hits[len(result.hits) - 1]
    assert tuple(result.hits) == tuple(result.hits[:])


def _counted_one_by_one(
    engine: Engine, query_text: str, topic: str | None, source: str | None
) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[str]]:
    """The facets as counting each candidate's passage in turn gives them."""
    from collections import Counter

    from assistant.lookup.finder import CANDIDATES, MIN_SIMILARITY

    query = parse_query(query_text, topic, source)
    within = None
    candidates = CANDIDATES
    if query.phrases:
        from assistant.lookup.finder import phrase_positions

        within = phrase_positions(engine.index, query.phrases)
        candidates = len(engine.index.passages)
    hits = engine.search(query.retrieval_text, candidates, within=within).hits
    pool = [h for h in hits if query.phrases or h.lexical > 0 or h.dense >= MIN_SIMILARITY]
    topics: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for hit in pool:
        p = hit.passage
        if source is None or source in p.source_ids:
            topics[p.topic] += 1
        if topic is None or p.topic == topic:
            sources.update(list(dict.fromkeys(p.source_ids)))
    titles = {sid: s.title for sid, s in engine.index.sources.items()}

    def ranked(counts: Counter[str], labels: dict[str, str]) -> list[tuple[str, int]]:
        order = sorted(counts.items(), key=lambda item: (-item[1], labels.get(item[0], item[0])))
        return [(value, n) for value, n in order]

    chosen = [
        h.passage.id
        for h in pool
        if (topic is None or h.passage.topic == topic)
        and (source is None or source in h.passage.source_ids)
    ]
    return ranked(topics, engine.index.topics), ranked(sources, titles), chosen


@pytest.mark.parametrize("text", ['"Section 75"', "perinatal mental health", '"parent-infant"'])
def test_facets_and_filters_count_as_reading_each_result(engine: Engine, text: str) -> None:
    found = lookup(engine, parse_query(text), 10)
    filters = [(None, None), (found.topics[0].value, None), (None, found.sources[-1].value)]
    filters.append((found.topics[-1].value, found.sources[0].value))
    for topic, source in filters:
        topics, sources, chosen = _counted_one_by_one(engine, text, topic, source)
        pages = lookup(engine, parse_query(text, topic, source), 50)
        assert [(f.value, f.count) for f in pages.topics] == topics
        assert [(f.value, f.count) for f in pages.sources] == sources
        assert pages.total == len(chosen)
        assert [m.passage.id for m in pages.matches] == chosen[:50]
