"""The BM25 side's lookups must give what the scans they replace gave."""

from __future__ import annotations

import difflib
import random
import subprocess
import sys

import bm25s
import numpy as np
import pytest

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.search.index import current_folder, load_index
from assistant.search.lexical import (
    Corrector,
    LexicalIndex,
    count_terms,
    is_english_word,
    recount,
    tokenize,
)
from assistant.search.neighbours import moved_positions


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


@pytest.mark.parametrize(
    "typo", ["naive", "naïv", "héalt", "healht", "straße", "strasse", "ñandu", "aaaa", "\ud800ab"]
)
def test_the_corrector_counts_any_letter_as_difflib_does(typo: str) -> None:
    """Letters outside the table's columns, long runs of one letter and mixed lengths."""
    vocabulary = ["naïve", "naive", "health", "héalth", "straße", "strass", "ñandú", "a" * 300]
    vocabulary += ["aaa", "aaaaa", "ab", "\ud800abc", "healthy", "he"]
    expected = difflib.get_close_matches(typo, vocabulary, n=1, cutoff=0.8)
    assert Corrector(vocabulary).correct(typo) == (expected[0] if expected else None)


def test_a_loaded_index_has_its_corrector_before_any_question(
    engine: Engine, settings: Settings
) -> None:
    """No request pays for making the corrector: the index makes it when loaded."""
    index = load_index(current_folder(settings.index_dir))
    assert index.lexical._corrector is not None
    assert index.lexical.terms("secton") == ["section"]


def test_a_misspelt_question_still_finds_its_term(engine: Engine) -> None:
    assert engine.index.lexical.terms("secton 75 agreemnt") == ["section", "75", "agreement"]


def test_an_english_word_the_evidence_lacks_is_not_corrected_to_one_it_has(
    engine: Engine,
) -> None:
    lexical = engine.index.lexical
    # the evidence holds "learn" and "whether" but neither "earn" nor "weather"
    assert len(lexical.postings("learn")) and len(lexical.postings("whether"))
    assert not len(lexical.postings("earn")) and not len(lexical.postings("weather"))
    assert lexical.terms("what does a therapist earn") == ["what", "doe", "therapist", "earn"]
    assert lexical.terms("what is the weather like") == ["what", "weather", "like"]
    assert lexical.terms("comissioning a perinatl team") == ["commiss", "perinat", "team"]


def test_english_words_are_known_and_typos_are_not() -> None:
    assert all(map(is_english_word, ["earn", "weather", "fathers", "mums", "salary"]))
    assert not any(map(is_english_word, ["comissioning", "perinatl", "secton", "xyzzyq"]))


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
    odd += ["we're sure they don\u2019t, can't and won't", "O'Neill's ma'am rock'n'roll"]
    return [p.text for p in engine.index.passages] + list(QUESTIONS) + odd


def test_tokenize_gives_what_bm25s_gives(engine: Engine) -> None:
    import bm25s

    from assistant.search.lexical import _STEMMER, STOPWORDS, open_contractions, tokenize

    assert set(bm25s.stopwords.STOPWORDS_EN) == STOPWORDS
    texts = _texts(engine)
    expected = bm25s.tokenize(
        [open_contractions(t) for t in texts],
        stopwords="en",
        stemmer=_STEMMER,
        return_ids=False,
        show_progress=False,
    )
    assert tokenize(texts) == [list(t) for t in expected]
    assert tokenize(texts[:3]) == [list(t) for t in expected[:3]]  # alone as in a batch


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("how would we know whether we're meeting it?", "how would we know whether we meeting it?"),
        ("we\u2019ve not and they don't", "we not and they do"),
        ("we can't, they won't", "we can, they will"),
        ("you'll see I'd said I'm sure", "you see I said I sure"),
    ],
)
def test_a_contraction_is_the_word_it_clips(text: str, same_as: str) -> None:
    """A clipped ending ("re" of "we're") is no term of its own: it would be a rare one."""
    from assistant.search.lexical import tokenize

    assert tokenize([text]) == tokenize([same_as])


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
        assert [float(s) for s in lexical.rank_within(query, within)[1]] == sorted(
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


def _by_term(index: LexicalIndex | bm25s.BM25) -> dict[str, tuple[list[int], bytes]]:
    """Each term's passages and scores (exact bytes), whatever number it was given."""
    if isinstance(index, LexicalIndex):
        data, indices, indptr, vocab = index._data, index._indices, index._indptr, index._vocab
    else:
        scores = index.scores
        data, indices, indptr = np.asarray(scores["data"]), scores["indices"], scores["indptr"]
        vocab = index.vocab_dict
    return {
        term: (
            indices[indptr[n] : indptr[n + 1]].tolist(),
            data[indptr[n] : indptr[n + 1]].tobytes(),
        )
        for term, n in vocab.items()
        if n + 1 < len(indptr)
    }


def test_the_index_is_scored_as_bm25s_scores_it(engine: Engine) -> None:
    texts = [f"{p.section}. {p.text}" for p in engine.index.passages]
    texts += ["", "the and of", "babies babies babies zzzyx"]
    model = bm25s.BM25()
    model.index(tokenize(texts), show_progress=False)
    built = LexicalIndex.build(texts)
    assert set(built._vocab) == set(model.vocab_dict)
    assert _by_term(built) == _by_term(model)


def test_recounting_after_changes_gives_what_counting_afresh_gives(engine: Engine) -> None:
    """Passages gone (with terms no other passage holds), new ones anywhere, repeated
    texts and kept passages in another order: the same postings and scores, to the bit."""
    before = [f"{p.section}. {p.text}" for p in engine.index.passages]
    counts = count_terms(before)
    after = [t for n, t in enumerate(before) if n % 7]
    after[40:40] = ["A brand new passage about zzzyx teams", before[3], "Leeds 2031 qwertyq"]
    after.append(before[10])
    swapped = after[:]
    swapped[5], swapped[200] = swapped[200], swapped[5]
    for texts in (after, swapped):
        recounted = recount(counts, moved_positions(before, texts), texts)
        fresh = count_terms(texts)
        assert sorted(recounted.terms) == sorted(fresh.terms)
        assert "qwertyq" in recounted.terms
        assert _by_term(LexicalIndex.from_counts(recounted)) == _by_term(
            LexicalIndex.from_counts(fresh)
        )
        assert np.array_equal(recounted.lengths, fresh.lengths)
    gone = {t for n, t in enumerate(before) if not n % 7}
    only_gone = set(count_terms(sorted(gone)).terms) - set(count_terms(after).terms)
    assert only_gone and not only_gone & set(
        recount(counts, moved_positions(before, after), after).terms
    )
