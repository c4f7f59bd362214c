"""DOCX reader (python-docx): one block per heading, tables read row by row."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.evidence.text import normalise
from assistant.ingest.document import DocMeta, Document, IngestError
from assistant.ingest.sections import Sections


def read_docx(path: Path) -> Document:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"{path.name}: not a readable Word document ({exc})") from None
    sections = Sections()
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            _paragraph(item, sections)
        elif isinstance(item, Table):
            for row in item.rows:
                cells = dict.fromkeys(normalise(c.text) for c in row.cells if normalise(c.text))
                sections.add("; ".join(cells) + ".")
    props = document.core_properties
    return Document(
        "docx",
        sections.blocks(),
        DocMeta(
            title=props.title or None,
            authors=(props.author,) if props.author else (),
            year=props.created.year if props.created else None,
        ),
    )


def _paragraph(paragraph: Paragraph, sections: Sections) -> None:
    style = paragraph.style.name if paragraph.style is not None else ""
    text = normalise(paragraph.text)
    if style == "Title":
        sections.heading(1, text)
    elif style.startswith("Heading") and style[7:].strip().isdigit():
        sections.heading(int(style[7:]) + 1, text)
    else:
        sections.add(text)
