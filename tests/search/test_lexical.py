"""The BM25 side's lookups must give what the scans they replace gave."""

from __future__ import annotations

import difflib
import random

import pytest

from assistant.search.engine import Engine
from assistant.search.lexical import Corrector


def _misspellings(words: list[str], count: int) -> list[str]:
    """Deterministic typos: a letter dropped, swapped in, added, or a suffix."""
    rng = random.Random(14)
    found = []
    for word in rng.sample(words, min(count, len(words))):
        i = rng.randrange(len(word))
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        found += [word[:i] + word[i + 1 :], word[:i] + letter + word[i + 1 :], word + "ing"]
    return [*found, "secton", "commisioning", "perinatl", "xyzzyq", "héalth", "naïve"]


def test_the_corrector_picks_what_difflib_picks(engine: Engine) -> None:
    vocabulary = sorted(w for w in engine.index.lexical._vocab if w)
    corrector = Corrector(vocabulary)
    typos = [t for t in _misspellings(vocabulary, 150) if t not in vocabulary and len(t) >= 4]
    assert len(typos) > 300
    expected = [difflib.get_close_matches(t, vocabulary, n=1, cutoff=0.8) for t in typos]
    assert [corrector.correct(t) for t in typos] == [e[0] if e else None for e in expected]


def test_a_misspelt_question_still_finds_its_term(engine: Engine) -> None:
    assert engine.index.lexical.terms("secton 75 agreemnt") == ["section", "75", "agreement"]


@pytest.mark.parametrize("term", ["section", "perinat", "jsna", "no-such-term"])
def test_postings_lookups_agree_with_the_bm25_arrays(engine: Engine, term: str) -> None:
    lexical = engine.index.lexical
    held = set(lexical.postings(term).tolist())
    assert all(lexical.holds(term, p) == (p in held) for p in range(lexical.size))
    assert (len(held) > 0) == (term != "no-such-term")


def test_question_terms_are_worked_out_once(engine: Engine) -> None:
    lexical = engine.index.lexical
    first = lexical.query_terms("How many health visitors are there in England?")
    again = lexical.query_terms("How many health visitors are there in England?")
    assert first == again and first is not again  # callers get their own list
    assert lexical._query_terms.cache_info().hits >= 1
