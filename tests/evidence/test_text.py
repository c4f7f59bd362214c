from __future__ import annotations

import pytest

from assistant.evidence.text import normalise, pack_sentences, sentences, word_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("See e.g. NICE guidance. Then more.", ["See e.g. NICE guidance.", "Then more."]),
        ("Cyr et al. found this. Next.", ["Cyr et al. found this.", "Next."]),
        ("Prof. Smith said so. 27 teams existed.", ["Prof. Smith said so.", "27 teams existed."]),
        ("It cost £8.1 billion. More.", ["It cost £8.1 billion.", "More."]),
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
        ("J. Bowlby wrote. Done.", ["J. Bowlby wrote.", "Done."]),
        ("No full stop at the end", ["No full stop at the end"]),
    ],
)
def test_sentences_split_at_real_boundaries_only(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_pack_sentences_respects_limit_and_never_splits_a_sentence() -> None:
    parts = [f"Sentence number {i} has exactly seven words." for i in range(60)]
    chunks = pack_sentences(parts, 180)
    assert all(word_count(c) <= 180 for c in chunks)
    assert " ".join(chunks) == " ".join(parts)
    sizes = [word_count(c) for c in chunks]
    assert max(sizes) - min(sizes) <= 14  # balanced, not one big and one tiny


def test_a_single_overlong_sentence_stays_whole() -> None:
    long = " ".join(["word"] * 200) + "."
    assert pack_sentences([long], 180) == [long]


def test_normalise_removes_control_characters_and_composes_unicode() -> None:
    assert normalise("Cafe\u0301\x00  bar\n") == "Café bar"
