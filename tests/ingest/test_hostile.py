"""Hostile and broken documents: each fails alone, on one line, within limits; the rest of
the batch is ingested. Names in any script get distinct ids; nothing is replaced silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import Settings
from assistant.evidence.corpus import parse_corpus
from assistant.ingest.collection import slug
from assistant.ingest.document import IngestError
from assistant.ingest.isolate import Limits
from assistant.ingest.readers import read_document
from tests.ingest.hostile_docs import (
    make_entity_bomb_docx,
    make_flate_bomb_pdf,
    make_truncated_docx,
    make_zip_bomb_docx,
)
from tests.ingest.ingest_docs import make_docx

GOOD = "---\ntitle: Good\n---\n# Good news\n\nHealth visitors see every family with a new baby.\n"


def _invoke(runner: CliRunner, settings: Settings, *args: str, **env: str) -> tuple[int, str, str]:
    environment = {"PAIR_CORPUS_DIR": str(settings.corpus_dir), **env}
    result = runner.invoke(main, list(args), env=environment)
    return result.exit_code, result.stdout, result.stderr


def _good(tmp_path: Path, name: str = "good.md") -> Path:
    path = tmp_path / name
    path.write_text(GOOD, encoding="utf-8")
    return path


# 4 and 7. Bombs and broken files fail alone, one line each; the others are ingested


def test_hostile_files_fail_one_line_each_and_the_batch_goes_on(
    runner: CliRunner, fixture_settings: Settings, tmp_path: Path
) -> None:
    hostile = [
        make_zip_bomb_docx(tmp_path / "bomb.docx"),
        make_truncated_docx(tmp_path / "truncated.docx"),
        make_entity_bomb_docx(tmp_path / "entities.docx"),
        make_flate_bomb_pdf(tmp_path / "flate.pdf"),
    ]
    files = [str(p) for p in [hostile[0], hostile[1], _good(tmp_path), *hostile[2:]]]
    code, out, err = _invoke(runner, fixture_settings, "ingest", *files)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 4, err
    names = ["bomb.docx", "truncated.docx", "entities.docx", "flate.pdf"]
    for line, name in zip(lines, names, strict=True):
        assert line.startswith(f"error: {name}: ")
    assert "zip bomb" in lines[0]
    assert "Traceback" not in err + out
    assert "Ingested good.md as good:" in out
    assert "good" in parse_corpus(fixture_settings.corpus_dir).sources


def test_the_unpacked_size_of_an_archive_is_checked(tmp_path: Path) -> None:
    plan = make_docx(tmp_path / "plan.docx")
    with pytest.raises(IngestError, match="unpacks to more than 1,000 bytes"):
        read_document(plan, 10_000_000, Limits(unpacked_bytes=1_000))


def test_the_text_taken_from_a_document_is_capped(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"over the limit of 20 .*PAIR_INGEST_MAX_TEXT_CHARS"):
        read_document(_good(tmp_path), 10_000_000, Limits(text_chars=20))


def test_reading_has_a_deadline(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"longer than 0\.01 s \(PAIR_INGEST_TIMEOUT\)"):
        read_document(_good(tmp_path), 10_000_000, Limits(seconds=0.01))


def test_reading_has_a_memory_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("# Big\n\n" + "Words about babies and parents. " * 1_000_000)
    with pytest.raises(IngestError, match=r"big\.md: .*memory"):
        read_document(big, 100_000_000, Limits(memory_bytes=20_000_000))


def test_limits_come_from_the_settings(
    runner: CliRunner, fixture_settings: Settings, tmp_path: Path
) -> None:
    code, _, err = _invoke(
        runner,
        fixture_settings,
        "ingest",
        str(_good(tmp_path)),
        PAIR_INGEST_MAX_TEXT_CHARS="10",
    )
    assert code == 1 and "PAIR_INGEST_MAX_TEXT_CHARS" in err


# 8. Ids keep names apart; a different document is never replaced without --replace


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Annual report 2024", "annual-report-2024"),
        ("Café à la carte", "cafe-a-la-carte"),
        ("计划", "document-"),
        ("план-2025", "2025-"),
    ],
)
def test_ids_are_ascii_and_keep_non_latin_names_apart(name: str, expected: str) -> None:
    found = slug(name)
    assert found.startswith(expected)
    assert found.isascii()
    assert slug(name) == found  # the same name always gives the same id


def test_non_latin_names_do_not_overwrite_each_other(
    runner: CliRunner, fixture_settings: Settings, tmp_path: Path
) -> None:
    first, second = _good(tmp_path, "计划.md"), _good(tmp_path, "报告.md")
    second.write_text(GOOD.replace("Health visitors", "Midwives"), encoding="utf-8")
    code, _, err = _invoke(runner, fixture_settings, "ingest", str(first), str(second))
    assert code == 0, err
    ingested = [s for s in parse_corpus(fixture_settings.corpus_dir).sources if "document-" in s]
    assert len(ingested) == 2


def test_a_different_document_under_an_existing_id_needs_replace(
    runner: CliRunner, fixture_settings: Settings, tmp_path: Path
) -> None:
    first, second = _good(tmp_path, "one.md"), _good(tmp_path, "two.md")
    assert _invoke(runner, fixture_settings, "ingest", str(first), "--source-id", "plan")[0] == 0
    code, _, err = _invoke(runner, fixture_settings, "ingest", str(second), "--source-id", "plan")
    assert code == 1
    assert "source id 'plan' already holds one.md; add --replace" in err
    code, out, _ = _invoke(
        runner, fixture_settings, "ingest", str(second), "--source-id", "plan", "--replace"
    )
    assert code == 0 and "Ingested two.md as plan" in out
    again = _invoke(runner, fixture_settings, "ingest", str(second), "--source-id", "plan")
    assert again[0] == 0  # updating the same document needs no flag
