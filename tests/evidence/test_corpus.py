from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import CorpusError
from assistant.evidence.corpus import (
    MAX_PASSAGE_WORDS,
    content_fingerprint,
    load_corpus,
    parse_corpus,
    passage_id,
)
from assistant.evidence.text import word_count


def test_fixture_corpus_passages_carry_their_provenance(fixture_corpus: Path) -> None:
    corpus = load_corpus(fixture_corpus)
    first = corpus.passages[0]
    assert first.heading == "Twenty-seven specialised teams in 2019"
    assert first.section == (
        "A small test corpus > Provision > Twenty-seven specialised teams in 2019"
    )
    assert first.source_ids == ("test-rare-jewels",)
    assert first.evidence == "cohort or survey"
    assert first.page == "Summary"
    assert first.file == "evidence/sample.md"
    assert first.line == 10
    assert corpus.topics == {"sample": "A small test corpus"}


def test_ids_are_content_hashes_that_survive_unrelated_edits(fixture_corpus: Path) -> None:
    before = {p.heading: p.id for p in load_corpus(fixture_corpus).passages}
    path = fixture_corpus / "evidence" / "sample.md"
    text = path.read_text().replace("Babies were therefore", "Infants were therefore")
    path.write_text(text)
    after = {p.heading: p.id for p in load_corpus(fixture_corpus).passages}
    assert (
        after["Twenty-seven specialised teams in 2019"]
        == before["Twenty-seven specialised teams in 2019"]
    )
    assert after["CAMHS and babies"] != before["CAMHS and babies"]
    assert passage_id(["a"], "Some  text") == passage_id(["a"], "Some text")


def test_long_sections_are_chunked_between_sentences(fixture_corpus: Path) -> None:
    body = " ".join(f"Commissioners need fact number {i} for the plan." for i in range(60))
    path = fixture_corpus / "evidence" / "long.md"
    path.write_text(f"---\ntopic: long\n---\n## Long\nsource: test-ons-births\n\n{body}\n")
    long = [p for p in load_corpus(fixture_corpus).passages if p.topic == "long"]
    assert len(long) == 3
    assert all(word_count(p.text) <= MAX_PASSAGE_WORDS for p in long)
    assert all(p.text.endswith("plan.") for p in long)
    assert len({p.id for p in long}) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("---\ntopic: x\n## A\n\nText.\n", "evidence/bad.md:1: front matter opened"),
        ("## A\n\nText without a source.\n", "evidence/bad.md:1: passage has no 'source:'"),
        ("## A\nsource: nope\n\nText.\n", "evidence/bad.md:1: unknown source id 'nope'"),
        ("---\n[1, 2\n---\n## A\n", "evidence/bad.md:1: front matter is not valid YAML"),
    ],
)
def test_problems_name_file_and_line(fixture_corpus: Path, content: str, message: str) -> None:
    (fixture_corpus / "evidence" / "bad.md").write_text(content)
    with pytest.raises(CorpusError, match=message.replace("[", r"\[")):
        load_corpus(fixture_corpus)


def test_broken_sources_file_is_reported_with_its_line(fixture_corpus: Path) -> None:
    (fixture_corpus / "sources.yaml").write_text("sources:\n  - id: a\n  - title: no id\n")
    problems = [str(p) for p in parse_corpus(fixture_corpus).problems]
    assert "sources.yaml:2: a source needs at least 'id' and 'title'" in problems
    assert "sources.yaml:3: a source needs at least 'id' and 'title'" in problems


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_the_shipped_corpus_loads_without_problems() -> None:
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    assert len(corpus.passages) >= 200
    assert len({p.id for p in corpus.passages}) == len(corpus.passages)


def test_the_content_fingerprint_is_the_parsed_corpus_fingerprint(fixture_corpus: Path) -> None:
    for folder in (fixture_corpus, PROJECT_ROOT / "corpus"):
        assert content_fingerprint(folder) == parse_corpus(folder).fingerprint
