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

MAX_MEMBERS = 5_000
MAX_RATIO = 100  # a real document's XML compresses about 5-20 to 1
RATIO_FROM_BYTES = 1_000_000  # small members may compress better; they cannot do harm


def check_archive(path: Path, max_unpacked: int) -> None:
    """Refuse a zip bomb before any member is unpacked, from the sizes in its directory.

    The sizes are the ones the archive declares; Python's zipfile never unpacks more than
    a member declares, so a member that lies fails its checksum instead of growing.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"{path.name}: not a readable Word document ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise IngestError(f"{path.name}: the archive has {len(members):,} parts; refused")
    total = 0
    for member in members:
        total += member.file_size
        if total > max_unpacked:
            raise IngestError(
                f"{path.name}: unpacks to more than {max_unpacked:,} bytes "
                "(PAIR_INGEST_MAX_UNPACKED_BYTES); refused as a possible zip bomb"
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise IngestError(
                f"{path.name}: part {member.filename[:80]!r} is compressed {ratio:,.0f} to 1; "
                "refused as a possible zip bomb"
            )


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
