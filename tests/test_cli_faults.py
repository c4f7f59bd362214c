"""Broken content at the command line: `file:line: what is wrong`, non-zero exit, no
traceback, and the serving index left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.index import build_index, current_folder


def _env(settings: Settings) -> dict[str, str]:
    return {"PAIR_CORPUS_DIR": str(settings.corpus_dir), "PAIR_INDEX_DIR": str(settings.index_dir)}


def _break_sources(corpus: Path, how: str) -> None:
    path = corpus / "sources.yaml"
    if how == "stray byte":
        path.write_bytes(path.read_bytes().replace(b"year: 2019", b"year: 2019 \xff"))
    else:
        path.write_text(path.read_text().replace("    year: 2019\n", "    authors: 5\n"))


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("stray byte", "sources.yaml:5: not UTF-8 text (byte 0xff)"),
        ("authors", "sources.yaml:2: authors must be a name or a list of names"),
    ],
)
@pytest.mark.parametrize("command", [["check"], ["index", "build"]])
def test_corpus_type_and_encoding_errors_name_file_and_line(
    runner: CliRunner, fixture_settings: Settings, how: str, expected: str, command: list[str]
) -> None:
    _break_sources(fixture_settings.corpus_dir, how)
    result = runner.invoke(main, command, env=_env(fixture_settings))
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("broken", ["journey.yaml", "estimator.yaml"])
def test_index_build_refuses_a_journey_or_estimator_serve_could_not_load(
    runner: CliRunner,
    fixture_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    broken: str,
) -> None:
    corpus = fixture_settings.corpus_dir
    for name in ("journey.yaml", "estimator.yaml"):
        (corpus / name).write_text((PROJECT_ROOT / "corpus" / name).read_text())
    (corpus / broken).write_text((corpus / broken).read_text() + "\n  - id: [\n")
    build_index(corpus, fixture_settings.index_dir, embedder)  # a good build serving
    before = current_folder(fixture_settings.index_dir)
    (corpus / "evidence" / "sample.md").write_text(
        (corpus / "evidence" / "sample.md").read_text().replace("591,072", "591,999")
    )
    result = runner.invoke(main, ["index", "build"], env=_env(fixture_settings))
    assert result.exit_code == 1
    assert f"{broken}:" in result.output
    assert "Traceback" not in result.output
    assert current_folder(fixture_settings.index_dir) == before
