"""The BM25 side's lookups must give what the scans they replace gave."""

from __future__ import annotations

import difflib
import random
import subprocess
import sys

import numpy as np
import pytest

from assistant.search.engine import Engine
from assistant.search.index import current_folder
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


def _texts(engine: Engine) -> list[str]:
    """Every passage and question the tests have, plus awkward characters."""
    from assistant.tools.bench import QUESTIONS

    odd = ["", "   ", "a an the", "Ünïcode naïve café 3½ x²", "tab\tnew\nline", "L'enfant d'abord"]
    return [p.text for p in engine.index.passages] + list(QUESTIONS) + odd


def test_tokenize_gives_what_bm25s_gives(engine: Engine) -> None:
    import bm25s

    from assistant.search.lexical import _STEMMER, STOPWORDS, tokenize

    assert set(bm25s.stopwords.STOPWORDS_EN) == STOPWORDS
    texts = _texts(engine)
    expected = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    assert tokenize(texts) == [list(t) for t in expected]
    assert tokenize(texts[:3]) == [list(t) for t in expected[:3]]  # alone as in a batch


def test_searches_rank_as_bm25s_ranks(engine: Engine) -> None:
    """Scores and order (ties included) equal bm25s' own retrieval on the saved index."""
    import bm25s

    lexical = engine.index.lexical
    folder = current_folder(engine.settings.index_dir) / "lexical"
    model = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False)
    queries = [q for q in _texts(engine) if lexical._known_stems(q)]
    assert len(queries) > 400
    for query in queries[::3]:
        terms = lexical._known_stems(query)
        for k in (1, 10, 50, lexical.size):
            docs, scores = model.retrieve([terms], k=k, show_progress=False, n_threads=0)
            expected = [
                (int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if float(s) > 0
            ]
            assert lexical.search(query, k) == expected
        within = np.arange(0, lexical.size, 3)
        assert [s for _p, s in lexical.search_within(query, within)] == sorted(
            (float(s) for s in model.get_scores(terms)[within] if s > 0), reverse=True
        )


def test_a_server_searches_without_bm25s_or_scipy(engine: Engine) -> None:
    """Loading an index and searching it imports neither (a fifth of a second at start)."""
    folder = str(current_folder(engine.settings.index_dir) / "lexical")
    code = (
        "import sys; from pathlib import Path; "
        "from assistant.search.lexical import LexicalIndex; "
        f"lexical = LexicalIndex.load(Path({folder!r})); "
        "assert lexical.search('section 75 agreement', 5); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bm25s', 'scipy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
