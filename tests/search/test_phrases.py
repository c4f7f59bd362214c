"""The phrase index: the passages holding a quoted phrase, as reading each one finds them."""

from __future__ import annotations

import gc
import os
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.lookup.finder import lookup, lookup_payload, parse_query, read_positions
from assistant.search.engine import Engine
from assistant.search.phrasebuild import build_phrase_index
from assistant.search.phrases import (
    FOLDS_TO_ASCII,
    PhraseIndex,
    PostingsFile,
    joined_text,
    phrase_pattern,
    shape,
    tokens,
)


def _holding(texts: list[str], phrase: str) -> list[int]:
    pattern = phrase_pattern(phrase)
    return [n for n, text in enumerate(texts) if pattern.search(text)]


def test_white_space_is_what_splitting_a_phrase_splits_on() -> None:
    """A phrase's words are split with ``str.split``, the text's gaps read with ``\\s``:
    the two agree on every code point, so a word never holds what the pattern's ``\\s+``
    between words would match."""
    space = re.compile(r"\s")
    differ = [c for c in range(sys.maxunicode + 1) if bool(space.match(chr(c))) != chr(c).isspace()]
    assert differ == []


def test_a_text_is_its_words_and_the_marks_between_them() -> None:
    assert tokens("Rare  Jewels (PAIR), £300\n") == ["Rare", "Jewels", " (", "PAIR", "), £", "300"]
    assert tokens(" \t") == [] and tokens("--") == ["--"]


@pytest.mark.parametrize(
    ("phrase", "found"),
    [
        ("Rare Jewels", True),
        ("(PAIR)", True),
        ("£300", True),
        ("café", False),  # letters outside ASCII: the pattern reads the passages
        ("£ –", False),  # no word characters
        ("½ price", False),
    ],
)
def test_the_index_answers_for_phrases_of_plain_words(phrase: str, found: bool) -> None:
    assert (shape(phrase) is not None) is found


_ALPHABET = st.sampled_from([*"aAbBsSkKiI _9-.()'£–\n\t", *FOLDS_TO_ASCII, "é", "É", "ß", "½"])


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(_ALPHABET, max_size=30), min_size=1, max_size=6),
    words=st.lists(st.text(_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=3),
)
def test_the_index_agrees_with_the_pattern_on_any_text(texts: list[str], words: list[str]) -> None:
    """Marks at a phrase's edges, gaps of marks and spaces, the passage's own edges, case
    folding: the passages found are those the pattern matches, for a first build and for
    a rebuild that keeps some passages and reads others."""
    phrase = " ".join(w for word in words for w in word.split()) or "a"
    index, _read = build_phrase_index(texts)
    held = index.holding(phrase)
    if held is None:
        return
    assert held.tolist() == _holding(texts, phrase)
    changed = [*texts[1:], "a (b) c", texts[0]]
    again, read = build_phrase_index(changed, (index, texts))
    assert read <= 2
    assert again.holding(phrase).tolist() == _holding(changed, phrase)  # type: ignore[union-attr]


def test_a_rebuild_makes_the_index_a_first_build_makes(tmp_path: Path) -> None:
    texts = ["Rare Jewels (PAIR) teams.", "Section 75, pooled budgets", "\u0130n the kind plan"]
    first, _read = build_phrase_index(texts)
    first.save(tmp_path)
    loaded = PhraseIndex.load(tmp_path)
    # read a slice at a time, not mapped into the server's memory
    assert isinstance(loaded.postings, PostingsFile)
    assert np.array_equal(np.asarray(loaded.postings), first.postings)
    assert loaded.postings[2:5].tolist() == first.postings[2:5].tolist()
    for phrase in ("rare jewels", "(PAIR)", "75,", "kind plan", "in the"):
        assert loaded.holding(phrase).tolist() == first.holding(phrase).tolist()  # type: ignore[union-attr]
    changed = [texts[2], "New: rare jewels; £300", texts[0]]
    again, read = build_phrase_index(changed, (loaded, texts))
    full, _read = build_phrase_index(changed)
    assert read == 1
    for name in ("words", "word_ends", "postings", "indptr", "bounds"):
        assert np.array_equal(getattr(again, name), getattr(full, name)), name
    assert again.marks == full.marks
    assert "pooled" not in [t.lower() for t in tokens(" ".join(changed))]
    assert again.holding("pooled budgets").tolist() == []  # type: ignore[union-attr]


def _phrases(engine: Engine) -> list[str]:
    """Phrases of one to five words cut from the corpus's passages and headings (edges of
    punctuation included, any case), with marks, figures and phrases no passage holds."""
    rng = random.Random(14)
    phrases = ["75%", "co-production", "(PAIR)", "NHS England's", "0-2", "i.e.", "Jewel"]
    phrases += ["£300", "£1.5 million", "2019–20", "parent-infant relationship", "Section 75"]
    phrases += ["pooled budgets", "the", "a", "words in no passage at all", "PAIR) teams"]
    for passage in rng.sample(engine.index.passages, 80):
        for text in (passage.text, passage.heading, f"{passage.text}\n{passage.heading}"):
            words = text.split()
            size = rng.choice((1, 2, 3, 5))
            start = rng.randrange(max(1, len(words) - size))
            phrase = " ".join(words[start : start + size])
            phrases.append(rng.choice((phrase, phrase.upper(), phrase.lower())))
    return phrases


def test_the_index_finds_what_reading_every_passage_finds(engine: Engine) -> None:
    index = engine.index
    assert index.phrases is not None
    passages = [joined_text(p.text, p.heading, p.section) for p in index.passages]
    answered = 0
    for phrase in _phrases(engine):
        held = index.phrases.holding(phrase)
        if held is not None:
            answered += 1
            assert held.tolist() == _holding(passages, phrase), phrase
            assert held.tolist() == read_positions(index, (phrase,)).tolist(), phrase
    assert answered > 200


def test_phrase_searches_show_what_reading_the_passages_shows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page's results, in order, their count, facets and highlights: the same
    with the phrase index as without it (the passages read one by one)."""
    queries = [f'"{p}"' for p in _phrases(engine)[::3]]
    queries += ['"Section 75" "pooled budget"', 'pooled "Section 75"', '"café" "Rare Jewels"']

    def shown() -> list[object]:
        engine._cache.clear()
        found = []
        for text in queries:
            try:
                result = lookup(engine, parse_query(text), len(engine.index.passages))
            except Exception as exc:
                found.append(repr(exc))
                continue
            found.append(lookup_payload(engine, result, "http://test"))
        return found

    with_index = shown()
    monkeypatch.setattr(engine.index, "phrases", None)
    assert shown() == with_index
    engine._cache.clear()


def test_a_phrase_index_goes_when_nothing_uses_it(engine: Engine) -> None:
    """Looking a phrase up leaves nothing holding the index, so the old build's goes with
    it on a reload."""
    import gc
    import weakref

    served = engine.index.phrases
    assert served is not None
    copy = PhraseIndex(
        served.words, served.word_ends, served.marks, served.postings, served.indptr, served.bounds
    )
    assert copy.holding("(PAIR)") is not None
    gone = weakref.ref(copy)
    del copy
    gc.collect()
    assert gone() is None


def test_saved_postings_read_any_slice_through_one_descriptor(tmp_path: Path) -> None:
    saved = np.arange(100_000, dtype=np.int32) * 7
    np.save(tmp_path / "postings.npy", saved)
    postings = PostingsFile(tmp_path / "postings.npy")
    spans = [slice(0, 0), slice(2, 5), slice(-3, None), slice(99_990, 200_000), slice(None)]
    spans += [slice(5, 2), slice(100, 60_000)]
    for span in spans:
        read = postings[span]
        assert read.dtype == saved.dtype and read.flags.writeable
        assert np.array_equal(read, saved[span]), span
    assert postings._fd is not None and os.fstat(postings._fd)
    closer = postings._closer
    del postings, read
    gc.collect()
    assert not closer.alive  # the descriptor was closed with the object holding it
    closed = PostingsFile(tmp_path / "postings.npy")
    closed.close()
    assert np.array_equal(closed[10:20], saved[10:20])  # opens the file for the read
