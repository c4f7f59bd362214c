"""The sentences array and each passage's run of sentence numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.search.engine import Engine
from assistant.search.sentences import SentenceRef, SentenceRefs, SentencesOf, read_rows


def test_each_passage_finds_its_own_sentences() -> None:
    refs = SentenceRefs(np.array([[0, 0, 5], [0, 6, 9], [2, 0, 4]]))
    of = SentencesOf(refs, passages=4)
    assert of[0] == [0, 1] and of.get(1, []) == [] and of[2] == [2]
    assert dict(of) == {0: [0, 1], 2: [2]} and len(of) == 2
    assert refs[1] == SentenceRef(0, 6, 9) and refs[-1] == SentenceRef(2, 0, 4)
    for missing in (1, 3, 4, -1):
        with pytest.raises(KeyError):
            of[missing]


def test_sentences_out_of_passage_order_are_refused() -> None:
    with pytest.raises(ValueError, match="passage order"):
        SentenceRefs(np.array([[1, 0, 5], [0, 0, 3]]))


def test_the_loaded_index_maps_every_sentence_to_its_passage(engine: Engine) -> None:
    index = engine.index
    numbers = [
        n for position in range(len(index.passages)) for n in index.sentences_of.get(position, [])
    ]
    assert numbers == list(range(len(index.sentences)))
    for n in range(0, len(index.sentences), 97):
        ref = index.sentences[n]
        assert n in index.sentences_of[ref.passage]
        assert index.passages[ref.passage].text[ref.start : ref.end].strip()


def test_sentences_are_read_in_one_parse_and_damage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sentences.jsonl"
    path.write_text("[0, 0, 12]\n[0, 13, 40]\n\n[3, 0, 7]\n")
    assert read_rows(path).rows.tolist() == [[0, 0, 12], [0, 13, 40], [3, 0, 7]]
    for damaged in ("[0, 0, 12]\n[0, 13]\n", "[0, 0, 12]\n[0, x, 40]\n", "[0, 0, 1] [1, 2, 3]\n"):
        path.write_text(damaged)
        with pytest.raises(ValueError, match="one \\[passage, start, end\\] a line"):
            read_rows(path)


def test_a_sentence_using_an_acronym_holds_the_words_its_passage_spelled_out(
    engine: Engine,
) -> None:
    index = engine.index
    using = [
        n
        for n in range(len(index.sentences))
        if index.passages[index.sentences[n].passage]
        .text[index.sentences[n].start : index.sentences[n].end]
        .startswith("WWW is a dyadic psychotherapy")
    ]
    assert len(using) == 1
    assert {"watch", "wait", "wonder", "www"} <= index.sentence_terms(using[0])
