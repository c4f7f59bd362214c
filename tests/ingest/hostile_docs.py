"""Hostile documents for the ingestion tests: bombs and broken files, generated here."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from tests.ingest.ingest_docs import make_docx


def _rewrite_docx(path: Path, replace: dict[str, bytes], compress: int = 9) -> Path:
    """A valid DOCX with some members replaced or added."""
    source = make_docx(path.with_suffix(".src.docx"))
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            if item.filename not in replace:
                new.writestr(item, old.read(item.filename))
        for name, data in replace.items():
            new.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compress)
    source.unlink()
    return path


def make_zip_bomb_docx(path: Path, unpacked: int = 50_000_000) -> Path:
    """A small DOCX whose document part unpacks to ``unpacked`` bytes of spaces."""
    body = b'<?xml version="1.0"?><w:document xmlns:w="x">' + b" " * unpacked + b"</w:document>"
    return _rewrite_docx(path, {"word/document.xml": body})


def make_truncated_docx(path: Path) -> Path:
    """Premature end of data in the main XML part."""
    return _rewrite_docx(path, {"word/document.xml": b'<?xml version="1.0"?><w:document xmln'})


def make_entity_bomb_docx(path: Path) -> Path:
    """The 'billion laughs': nested entities that would expand to gigabytes."""
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    doctype = "<!DOCTYPE w:document [" + "".join(lines) + "]>"
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = (
        f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{ns}"><w:body><w:p><w:r>'
        "<w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    return _rewrite_docx(path, {"word/document.xml": body.encode()})


def make_flate_bomb_pdf(path: Path, unpacked: int = 200_000_000) -> Path:
    """A one-page PDF whose content stream inflates to ``unpacked`` bytes."""
    packer = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    stream = b"".join(packer.compress(chunk) for _ in range(unpacked // len(chunk)))
    stream += packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path
