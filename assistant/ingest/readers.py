"""Pick the reader for a file by its type, after the checks every file gets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.ingest.document import Document, IngestError
from assistant.ingest.htmlpage import read_html
from assistant.ingest.isolate import Limits, read_isolated
from assistant.ingest.mdtext import read_markdown
from assistant.ingest.pdf import read_pdf
from assistant.ingest.word import check_archive, read_docx

_BY_BYTES: dict[str, Callable[[Path, bytes], Document]] = {
    ".html": read_html,
    ".htm": read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
}
_BY_PATH: dict[str, Callable[[Path], Document]] = {".pdf": read_pdf, ".docx": read_docx}
SUPPORTED = tuple(sorted({*_BY_BYTES, *_BY_PATH}))


def read_document(path: Path, max_bytes: int, limits: Limits | None = None) -> Document:
    """Read and clean ``path``; :class:`IngestError` names the file and what is wrong.

    The reading itself runs in a child process within ``limits`` (see ``isolate``), after
    the checks that need no parsing: type, size, and for archives their unpacked sizes.
    """
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix not in _BY_BYTES and suffix not in _BY_PATH:
        kinds = ", ".join(SUPPORTED)
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}; use {kinds}")
    _check_size(path, max_bytes)
    if suffix == ".docx":
        check_archive(path, limits.unpacked_bytes)
    document = read_isolated(path, limits)
    if not document.blocks:
        raise IngestError(f"{path.name}: no text found in the document")
    return document


def reader_for(path: Path) -> Callable[[Path], Document]:
    """The reader for a file of a supported type (checked by :func:`read_document`)."""
    suffix = path.suffix.lower()
    if suffix in _BY_PATH:
        return _BY_PATH[suffix]
    by_bytes = _BY_BYTES[suffix]
    return lambda path: by_bytes(path, path.read_bytes())


def _check_size(path: Path, max_bytes: int) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if not path.is_file():
        raise IngestError(f"{path.name}: not a file")
    if size == 0:
        raise IngestError(f"{path.name}: the file is empty")
    if size > max_bytes:
        raise IngestError(
            f"{path.name}: {size:,} bytes is over the limit of {max_bytes:,} bytes "
            "(PAIR_INGEST_MAX_BYTES)"
        )
