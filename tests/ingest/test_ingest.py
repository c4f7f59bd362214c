"""Ingesting PDF, DOCX, HTML and Markdown: pages, headings, cleaning, ids and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import Settings
from assistant.evidence.corpus import parse_corpus
from assistant.ingest.clean import clean_pages
from assistant.ingest.collection import Collection, Options
from assistant.ingest.document import IngestError
from assistant.ingest.readers import read_document
from tests.ingest.ingest_docs import (
    HTML_PAGE,
    MARKDOWN_DOC,
    RUNNING_HEADER,
    make_docx,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_pdf,
)

LIMIT = 10_000_000
PAGES = [
    "Anytown's parent-infant relationship team saw 120 families in 2023. Most were referred\n"
    "by health visitors in the first year after birth. The team was develop-\n"
    "ed with the integrated care board and waiting times fell from twelve weeks to six\n"
    "weeks after the service was recommissioned with new investment from the integrated care",
    "board and the local authority. Families said the service helped them bond with their\n"
    "babies and feel more confident as parents.",
    "Parent-infant interaction scores improved between referral and discharge for most\n"
    "families who completed the programme in 2023.",
]


@pytest.fixture()
def pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "strategy.pdf", PAGES, title="Anytown perinatal strategy")


def test_pdf_blocks_keep_their_page_numbers(pdf: Path) -> None:
    document = read_document(pdf, LIMIT)
    assert document.kind == "pdf" and document.pages == 3
    assert [b.page for b in document.blocks] == [1, 2, 3]
    assert document.blocks[2].text.startswith("Parent-infant interaction scores")


def test_pdf_running_headers_footers_and_page_numbers_are_removed(pdf: Path) -> None:
    text = " ".join(b.text for b in read_document(pdf, LIMIT).blocks)
    assert RUNNING_HEADER not in text
    assert "Page 1 of" not in text and "of 3" not in text


def test_pdf_hyphenation_is_joined_and_sentences_finish_on_their_first_page(pdf: Path) -> None:
    first, second, _ = read_document(pdf, LIMIT).blocks
    assert "was developed with" in first.text
    assert first.text.endswith("the integrated care board and the local authority.")
    assert second.text.startswith("Families said")


def test_pdf_metadata_and_outline_headings(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "o.pdf", PAGES, title="Strategy", sections={1: "Our service"})
    document = read_document(path, LIMIT)
    assert document.meta.title == "Strategy"
    assert document.meta.authors == ("Anytown Integrated Care Board",)
    assert all(b.path == ("Our service",) for b in document.blocks)


def test_bare_page_numbers_and_roman_numerals_go() -> None:
    pages = [["iv", "Text of the page one.", "4"], ["Text of page two.", "- 5 -"]]
    assert clean_pages(pages) == ["Text of the page one.", "Text of page two."]


def test_docx_heading_paths_tables_and_core_properties(tmp_path: Path) -> None:
    document = read_document(make_docx(tmp_path / "plan.docx"), LIMIT)
    paths = {b.path: b.text for b in document.blocks}
    assert document.meta.title == "Best Start for Life plan"
    assert document.meta.authors == ("Anytown Council",)
    support = paths[("Best Start for Life plan", "Family hubs", "Perinatal support")]
    assert "refer themselves" in support and "North hub; 2023." in support
    assert ("Best Start for Life plan", "Funding") in paths


def test_html_headings_kept_and_page_furniture_skipped(tmp_path: Path) -> None:
    path = tmp_path / "jsna.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    document = read_document(path, LIMIT)
    assert document.meta.title == "Anytown JSNA: early years"
    paths = {b.path: b.text for b in document.blocks}
    assert (
        "3,200 live births in Anytown in 2023, & the number"
        in paths[("Early years needs assessment", "Births")]
    )
    assert ("Early years needs assessment", "Births", "Teenage parents") in paths
    text = " ".join(paths.values())
    assert "tracking" not in text and "Home" not in text and "Contact" not in text


def test_markdown_headings_and_inline_markup(tmp_path: Path) -> None:
    path = tmp_path / "workforce.md"
    path.write_text(MARKDOWN_DOC, encoding="utf-8")
    document = read_document(path, LIMIT)
    assert document.meta.title == "Anytown workforce review"
    intro, training = document.blocks
    assert intro.text == "Intro paragraph about the workforce review of parent-infant staff."
    assert training.path == ("Anytown workforce review", "Training")
    assert training.text.startswith("Health visitors completed")


def test_text_is_nfc_without_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "accents.md"
    path.write_text("# Cafe\u0301\n\nThe cafe\u0301\x07 offers support to parents.\n", "utf-8")
    (block,) = read_document(path, LIMIT).blocks
    assert block.text == "The caf\u00e9 offers support to parents."


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda t: make_encrypted_pdf(t / "locked.pdf", make_pdf(t / "o.pdf", PAGES)), "encrypted"),
        (lambda t: make_image_only_pdf(t / "scan.pdf"), "no text layer"),
        (lambda t: _write(t, "empty.pdf", b""), "the file is empty"),
        (lambda t: _write(t, "broken.pdf", b"%PDF-1.7\nnot really a pdf"), "not a readable PDF"),
        (lambda t: _write(t, "broken.docx", b"PK\x03\x04 nonsense"), "not a readable Word"),
        (lambda t: _write(t, "notes.txt", b"plain text"), "unsupported file type .txt"),
        (lambda t: _write(t, "blank.html", b"<html><body> </body></html>"), "no text found"),
        (lambda t: t / "missing.pdf", "cannot be read"),
    ],
)
def test_bad_input_is_one_clear_error_naming_the_file(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(IngestError, match=rf"^{path.name}: .*{reason}"):
        read_document(path, LIMIT)


def test_files_over_the_size_limit_are_refused(pdf: Path) -> None:
    with pytest.raises(IngestError, match=r"strategy.pdf: .* over the limit of 100 bytes"):
        read_document(pdf, 100)


def _ingest(settings: Settings, path: Path, **options: str) -> None:
    document = read_document(path, LIMIT)
    Collection(settings.corpus_dir).add(path, document, Options(**options))


def test_ingested_passages_join_the_corpus_with_pages(
    fixture_settings: Settings, pdf: Path
) -> None:
    _ingest(fixture_settings, pdf, url="https://example.org/strategy.pdf")
    corpus = parse_corpus(fixture_settings.corpus_dir)
    assert corpus.problems == []
    mine = [p for p in corpus.passages if p.source_id == "strategy"]
    assert [p.page for p in mine] == ["1", "2", "3"]
    assert mine[0].section == "Anytown perinatal strategy"
    assert corpus.sources["strategy"].url == "https://example.org/strategy.pdf"
    assert corpus.sources["strategy"].title == "Anytown perinatal strategy"


def test_reingesting_keeps_ids_of_unchanged_passages(
    fixture_settings: Settings, tmp_path: Path, pdf: Path
) -> None:
    collection = Collection(fixture_settings.corpus_dir)
    first = collection.add(pdf, read_document(pdf, LIMIT), Options())
    ids = {p.id: p.page for p in parse_corpus(fixture_settings.corpus_dir).passages}
    (tmp_path / "v2").mkdir()
    changed = make_pdf(tmp_path / "v2" / "strategy.pdf", [*PAGES[:2], "A new final page."])
    second = collection.add(changed, read_document(changed, LIMIT), Options())
    after = {p.id: p.page for p in parse_corpus(fixture_settings.corpus_dir).passages}
    assert (first.added, second.unchanged, second.added, second.removed) == (3, 2, 1, 1)
    assert {i for i, page in ids.items() if page in ("1", "2")} <= set(after)


def test_builtin_source_ids_cannot_be_taken(fixture_settings: Settings, pdf: Path) -> None:
    with pytest.raises(IngestError, match=r"'test-rare-jewels' is already used in sources\.yaml"):
        _ingest(fixture_settings, pdf, source_id="test-rare-jewels")
    assert not (fixture_settings.corpus_dir / "ingested" / "strategy.md").exists()


def _invoke(runner: CliRunner, settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"PAIR_CORPUS_DIR": str(settings.corpus_dir), "PAIR_INGEST_MAX_BYTES": str(LIMIT)}
    result = runner.invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_ingests_good_files_and_reports_each_bad_one(
    runner: CliRunner, fixture_settings: Settings, tmp_path: Path, pdf: Path
) -> None:
    scan = make_image_only_pdf(tmp_path / "scan.pdf")
    plan = make_docx(tmp_path / "plan.docx")
    code, out, err = _invoke(runner, fixture_settings, "ingest", str(scan), str(pdf), str(plan))
    assert code == 1
    assert (
        err.strip() == "error: scan.pdf: the PDF has no text layer (a scan?); run OCR on it first"
    )
    assert "Ingested strategy.pdf as strategy: 3 pages, 3 passages (3 new" in out
    assert "Ingested plan.docx as plan:" in out
    folder = fixture_settings.corpus_dir / "ingested"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock",
        "plan.md",
        "sources.yaml",
        "strategy.md",
    ]


def test_cli_sources_list_and_remove(
    runner: CliRunner, fixture_settings: Settings, pdf: Path
) -> None:
    assert _invoke(runner, fixture_settings, "ingest", str(pdf), "--source-id", "anytown")[0] == 0
    code, out, _ = _invoke(runner, fixture_settings, "sources", "list")
    assert code == 0 and out.startswith("anytown\tpdf\t3 pages, 3 passages\tAnytown perinatal")
    code, out, _ = _invoke(runner, fixture_settings, "sources", "remove", "anytown")
    assert code == 0 and out.startswith("Removed anytown")
    corpus = parse_corpus(fixture_settings.corpus_dir)
    assert "anytown" not in corpus.sources and corpus.problems == []
    code, _, err = _invoke(runner, fixture_settings, "sources", "remove", "anytown")
    assert code == 1 and "no ingested source 'anytown'" in err


def test_cli_refuses_one_title_for_many_files(
    runner: CliRunner, fixture_settings: Settings, pdf: Path
) -> None:
    code, _, err = _invoke(runner, fixture_settings, "ingest", str(pdf), str(pdf), "--title", "X")
    assert code == 2 and "apply to one file at a time" in err
