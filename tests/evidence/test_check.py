"""`pair-assistant check`: clean on the shipped corpus, precise about each kind of fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.evidence.check import check_corpus
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine

FIXTURE = Path(__file__).parents[1] / "fixtures" / "corpus"
SOURCE = """
  - id: extra-source
    title: "An extra source"
    publisher: Somebody
    year: 2020
    url: {url}
    type: {type}
"""
PASSAGE = """
### An extra passage
source: {source}
evidence: {evidence}

{text}
"""
GOOD_TEXT = (
    "The Office for National Statistics counts live births for each local authority in "
    "England and Wales every year, and a needs analysis starts from those counts. "
    "Commissioners multiply published prevalence rates by local births to estimate how "
    "many families might need a specialised parent-infant relationship team."
)


def test_shipped_corpus_passes(engine: Engine, runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "Corpus OK" in result.output


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE, target)
    sample = target / "evidence" / "sample.md"  # one fixture passage is a word short of 40
    sample.write_text(sample.read_text().replace("most areas had", "most areas of the UK had"))
    return target


def _add_source(corpus: Path, url: str = "https://example.org/report", type: str = "news") -> None:
    path = corpus / "sources.yaml"
    path.write_text(path.read_text() + SOURCE.format(url=url, type=type))


def _add_passage(
    corpus: Path,
    source: str = "test-ons-births",
    evidence: str = "official statistics",
    text: str = GOOD_TEXT,
) -> None:
    path = corpus / "evidence" / "sample.md"
    path.write_text(path.read_text() + PASSAGE.format(source=source, evidence=evidence, text=text))


def _messages(corpus: Path) -> list[str]:
    return [str(p) for p in check_corpus(corpus)]


def test_fixture_corpus_is_clean(corpus: Path) -> None:
    assert _messages(corpus) == []


@pytest.mark.parametrize(
    ("url", "type", "expected"),
    [
        ("http://example.org/report", "news", "url must start with https://"),
        ("https://exa mple/report", "news", "url is not a well-formed address"),
        ("https://vdocuments.us/copy.html", "news", "url is an aggregator copy (vdocuments.us)"),
        ("https://www.miragenews.com/x-1", "news", "url is an aggregator copy"),
        ("https://rds.staging.example.com/page", "news", "staging or development site"),
        ("https://example.org/report", "blog post", "unknown source type 'blog post'"),
    ],
)
def test_bad_sources_are_reported_with_line(
    corpus: Path, url: str, type: str, expected: str
) -> None:
    _add_source(corpus, url, type)
    _add_passage(corpus, source="extra-source", evidence="expert opinion")
    messages = _messages(corpus)
    assert len(messages) == 1, messages
    assert messages[0].startswith("sources.yaml:")
    assert expected in messages[0]
    line = int(messages[0].split(":")[1])
    key = "type:" if "type" in expected else "url:"
    assert (corpus / "sources.yaml").read_text().splitlines()[line - 1].strip().startswith(key)


@pytest.mark.parametrize(
    ("type", "evidence"),
    [
        ("news", "official statistics"),
        ("news", "guidance or policy"),
        ("local case study", "trial"),
    ],
)
def test_a_grade_the_source_cannot_have_is_reported_at_the_passage(
    corpus: Path, type: str, evidence: str
) -> None:
    _add_source(corpus, type=type)
    _add_passage(corpus, source="extra-source", evidence=evidence)
    (message,) = _messages(corpus)
    assert message.startswith("evidence/sample.md:")
    assert f"is graded {evidence!r} but its source 'extra-source' is a {type}" in message


def test_unused_source(corpus: Path) -> None:
    _add_source(corpus)
    assert any("source 'extra-source' is not cited by any passage" in m for m in _messages(corpus))


def test_unknown_source(corpus: Path) -> None:
    _add_passage(corpus, source="no-such-source")
    (message,) = _messages(corpus)
    assert (
        message.startswith("evidence/sample.md:")
        and "unknown source id 'no-such-source'" in message
    )


def test_unknown_evidence_grade(corpus: Path) -> None:
    _add_passage(corpus, evidence="anecdote")
    (message,) = _messages(corpus)
    assert "unknown evidence grade 'anecdote'" in message


@pytest.mark.parametrize("words", [12, 200])
def test_passage_length(corpus: Path, words: int) -> None:
    # one long sentence: the chunker never splits a sentence, so it stays one passage
    _add_passage(corpus, text=" ".join(["births"] * words) + ".")
    (message,) = _messages(corpus)
    assert f"has {words} words; keep it 40 to 180" in message


def test_topic_must_match_file_name(corpus: Path) -> None:
    path = corpus / "evidence" / "sample.md"
    path.write_text(path.read_text().replace("topic: sample", "topic: something-else", 1))
    assert (
        "evidence/sample.md:2: topic 'something-else' does not match the file name 'sample'"
        in _messages(corpus)
    )


def test_topic_file_that_does_not_parse(corpus: Path) -> None:
    (corpus / "evidence" / "broken.md").write_text("---\ntopic: [broken\n---\n\n# Broken\n")
    messages = _messages(corpus)
    assert any(
        m.startswith("evidence/broken.md:1: front matter is not valid YAML") for m in messages
    )


def test_near_duplicate_passages(corpus: Path, embedder: SentenceTransformerEmbedder) -> None:
    _add_passage(corpus, text=GOOD_TEXT)
    _add_passage(corpus, text=GOOD_TEXT.replace("every year", "each year"))
    problems = check_corpus(corpus, lambda ps: embedder.encode([p.embedding_text() for p in ps]))
    assert [p for p in problems if "nearly duplicates" in p.message], problems


def test_cli_exits_non_zero_with_file_and_line(
    corpus: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_passage(corpus, evidence="anecdote")
    monkeypatch.setenv("PAIR_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("PAIR_INDEX_DIR", str(corpus.parent / "index"))
    result = runner.invoke(main, ["check", "--no-duplicates"])
    assert result.exit_code == 1
    assert "sample.md:" in result.output and "unknown evidence grade" in result.output
    assert "1 problem(s)" in result.output


def test_ingested_documents_need_no_grade_url_type_or_minimum_length(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "ingested").mkdir(parents=True)
    (corpus / "ingested" / "sources.yaml").write_text(
        "sources:\n  - id: local-plan\n    title: Our local perinatal plan\n"
    )
    (corpus / "ingested" / "local-plan.md").write_text(
        "---\ntopic: local-plan\ntitle: Our local perinatal plan\nsource: local-plan\n---\n"
        "# Our local perinatal plan\n\n## Page 2\npage: 2\n\nA short final chunk of a page.\n"
    )
    assert [str(p) for p in check_corpus(corpus, vectorise=None)] == []


def test_one_source_one_grade_unless_the_passage_says_why(corpus: Path) -> None:
    _add_source(corpus, type="peer-reviewed study")
    for n in range(2):
        _add_passage(corpus, source="extra-source", evidence="trial", text=f"{GOOD_TEXT} {n}")
    _add_passage(corpus, source="extra-source", evidence="qualitative")
    (message,) = _messages(corpus)
    assert "is graded 'qualitative' but other passages of 'extra-source' are 'trial'" in message
    path = corpus / "evidence" / "sample.md"
    text = path.read_text()
    at = text.rindex("evidence: qualitative") + len("evidence: qualitative")
    path.write_text(text[:at] + "\ngrade_note: reports the trial's interviews" + text[at:])
    assert _messages(corpus) == []
