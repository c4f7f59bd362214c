"""HTML reader (stdlib ``html.parser``): headings kept, page furniture skipped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from assistant.ingest.document import DocMeta, Document, IngestError
from assistant.ingest.sections import Sections

SKIPPED = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside"}
BREAKS = {"p", "div", "li", "tr", "td", "th", "br", "dd", "dt", "blockquote", "section"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "source", "wbr"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections = Sections()
        self.title = ""
        self._skip: list[str] = []
        self._tag: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED and tag not in VOID:
            self._skip.append(tag)
        elif tag in HEADINGS or tag == "title" or tag in BREAKS:
            self._end_run()
            self._tag = tag if tag in HEADINGS or tag == "title" else None

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()
        elif tag in HEADINGS or tag == "title" or tag in BREAKS:
            self._end_run()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def _end_run(self) -> None:
        text, tag = " ".join("".join(self._text).split()), self._tag
        self._text, self._tag = [], None
        if tag == "title":
            self.title = self.title or text
        elif tag in HEADINGS:
            self.sections.heading(HEADINGS[tag] + 1, text)
        else:
            self.sections.add(text)


def read_html(path: Path, raw: bytes) -> Document:
    reader = _Reader()
    reader.feed(_decode(path, raw))
    reader.close()
    reader._end_run()
    return Document("html", reader.sections.blocks(), DocMeta(title=reader.title or None))


def _decode(path: Path, raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path.name}: not UTF-8 or Windows-1252 text")
