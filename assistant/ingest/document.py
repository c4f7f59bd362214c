"""What every reader returns: a document's blocks of text and the metadata it carries."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import ValidationError


class IngestError(ValidationError):
    """A document cannot be ingested; the message names the file and the reason."""

    code = "bad_document"


@dataclass(frozen=True)
class Block:
    """Text under one heading path, or of one PDF page (``page`` counts from 1)."""

    text: str
    path: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class DocMeta:
    """Metadata found in the document itself; any of it may be missing."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Document:
    kind: str
    blocks: tuple[Block, ...]
    meta: DocMeta
    pages: int = 0
