from __future__ import annotations

import re

import pytest

from assistant.evidence.text import normalise, pack_sentences, sentences, spelled_out, word_count


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


def test_no_sentence_of_the_corpus_starts_mid_sentence() -> None:
    """Every quoted sentence reads as a sentence: the splitter does not cut at "et al.",
    "e.g.", initials or a title ending in "?", so none starts with a lower-case word, a
    closing bracket or a year in brackets."""
    from assistant.config import PROJECT_ROOT
    from assistant.evidence.corpus import parse_corpus

    corpus = parse_corpus(PROJECT_ROOT / "corpus")
    broken = [
        f"{p.file}:{p.line}: {s[:60]!r}"
        for p in corpus.passages
        for s in sentences(p.text)
        if re.match(r"[a-z]|[)\]]|\(\d{4}", s)
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Their paper "Who\'s got the infants in mind?" (2025) is new. It found more.', 2),
        ('The count was 49 in "Who is holding the baby?" (2025). Then it grew.', 2),
        ("McSweeney et al. (2025) found three forces. Next.", 2),
        ("Tools e.g. PHQ-9 are used. V. Lumsden wrote it in vol. 23. It costs £1.5m.", 3),
        ('"Why does it matter?" The report asks this.', 2),
    ],
)
def test_sentence_splitting_keeps_titles_and_abbreviations_whole(text: str, expected: int) -> None:
    assert len(sentences(text)) == expected


def test_an_acronym_is_spelled_out_by_the_capitalised_words_before_it() -> None:
    found = spelled_out(
        "Watch, Wait and Wonder (WWW) holds a rating from the Early Intervention Foundation "
        "(EIF). Clinicians use the Parent-Infant Relationship Global Assessment Scale "
        "(PIR-GAS). Teams follow the Provider Selection Regime (PSR), not the (UK) rules."
    )
    assert found == {
        "WWW": "Watch Wait Wonder",
        "EIF": "Early Intervention Foundation",
        "PIR-GAS": "Parent Infant Relationship Global Assessment Scale",
        "PSR": "Provider Selection Regime",
    }


def test_words_in_brackets_that_are_no_acronym_spell_nothing() -> None:
    assert spelled_out("Fewer teams (around 2019) and more (see below).") == {}
