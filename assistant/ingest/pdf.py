"""PDF reader (pypdf): one block per page, headings from the outline when it has one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from assistant.ingest.clean import clean_pages
from assistant.ingest.document import Block, DocMeta, Document, IngestError

log = logging.getLogger(__name__)
# pypdf logs every recoverable oddity of a damaged file; one error line is enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pdf(path: Path) -> Document:
    reader = _open(path)
    try:
        raw = [(page.extract_text() or "").splitlines() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(f"{path.name}: the PDF is damaged ({_reason(exc)})") from None
    if not any(line.strip() for page in raw for line in page):
        raise IngestError(f"{path.name}: the PDF has no text layer (a scan?); run OCR on it first")
    outline = _outline_by_page(reader)
    texts = clean_pages(raw)
    blocks = tuple(
        Block(text, _heading_at(outline, n), n + 1) for n, text in enumerate(texts) if text
    )
    return Document("pdf", blocks, _meta(reader), len(raw))


def _open(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{path.name}: the PDF is encrypted; save a copy without a password")
        len(reader.pages)
    except (FileNotDecryptedError, DependencyError, NotImplementedError):
        raise IngestError(
            f"{path.name}: the PDF is encrypted; save a copy without a password"
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(f"{path.name}: not a readable PDF ({_reason(exc)})") from None
    return reader


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _meta(reader: PdfReader) -> DocMeta:
    info = reader.metadata
    if info is None:
        return DocMeta()
    created = _safe(lambda: info.creation_date)
    author = _safe(lambda: info.author)
    return DocMeta(
        title=_safe(lambda: info.title) or None,
        authors=(str(author),) if author else (),
        year=created.year if created else None,
    )


def _safe(read: Any) -> Any:
    """Metadata fields of odd PDFs raise on access; missing is better than failing."""
    try:
        return read()
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _outline_by_page(reader: PdfReader) -> list[tuple[int, tuple[str, ...]]]:
    """(first page index, heading path) of each outline entry, in page order."""
    found: list[tuple[int, tuple[str, ...]]] = []
    try:
        _walk(reader, reader.outline, (), found)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.info("ignoring a damaged PDF outline: %s", exc)
        return []
    return sorted(found, key=lambda f: f[0])


def _walk(reader: PdfReader, items: Any, parent: tuple[str, ...], found: list[Any]) -> None:
    last: tuple[str, ...] = parent
    for item in items:
        if isinstance(item, list):
            _walk(reader, item, last, found)
            continue
        page = reader.get_destination_page_number(item)
        last = (*parent, str(item.title).strip())
        if page is not None and page >= 0 and last[-1]:
            found.append((page, last))


def _heading_at(outline: list[tuple[int, tuple[str, ...]]], page: int) -> tuple[str, ...]:
    path: tuple[str, ...] = ()
    for start, heading in outline:
        if start > page:
            break
        path = heading
    return path
