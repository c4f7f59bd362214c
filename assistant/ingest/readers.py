"""Pick the reader for a file by its type, after the checks every file gets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.ingest.document import Document, IngestError
from assistant.ingest.htmlpage import read_html
from assistant.ingest.mdtext import read_markdown
from assistant.ingest.pdf import read_pdf
from assistant.ingest.word import read_docx

_BY_BYTES: dict[str, Callable[[Path, bytes], Document]] = {
    ".html": read_html,
    ".htm": read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
}
_BY_PATH: dict[str, Callable[[Path], Document]] = {".pdf": read_pdf, ".docx": read_docx}
SUPPORTED = tuple(sorted({*_BY_BYTES, *_BY_PATH}))


def read_document(path: Path, max_bytes: int) -> Document:
    """Read and clean ``path``; :class:`IngestError` names the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in _BY_BYTES and suffix not in _BY_PATH:
        kinds = ", ".join(SUPPORTED)
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}; use {kinds}")
    _check_size(path, max_bytes)
    if suffix in _BY_PATH:
        document = _BY_PATH[suffix](path)
    else:
        document = _BY_BYTES[suffix](path, path.read_bytes())
    if not document.blocks:
        raise IngestError(f"{path.name}: no text found in the document")
    return document


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
