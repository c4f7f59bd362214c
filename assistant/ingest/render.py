"""A document as a topic file in the corpus's Markdown format (see ``corpus/README.md``).

Chunking is the corpus's own (:func:`assistant.evidence.corpus.chunk_text`), and every chunk is
written as its own section, so parsing the file back gives exactly these passages with
the same content-hash ids: an unchanged passage keeps its id when its document is
ingested again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from assistant.evidence.corpus import chunk_text, passage_id
from assistant.evidence.text import normalise
from assistant.ingest.document import Block, Document

MAX_DEPTH = 6
_HEADING_RE = re.compile(r"^#{1,6}\s")
_COMMENT_RE = re.compile(r"<!--|-->")  # the corpus parser drops HTML comments


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    path: tuple[str, ...]
    page: int | None


def chunks(document: Document, source_id: str, title: str) -> list[Chunk]:
    """The passages the document becomes, in order, without repeats."""
    found: dict[str, Chunk] = {}
    for block in document.blocks:
        path = _path(block, title)
        for text in chunk_text(_plain(block.text)):
            pid = passage_id((source_id,), text)
            found.setdefault(pid, Chunk(pid, text, path, block.page))
    return list(found.values())


def _path(block: Block, title: str) -> tuple[str, ...]:
    headings = [h for h in (_heading(h) for h in block.path) if h]
    if headings and headings[0] == title:
        headings = headings[1:]
    return (title, *headings[-(MAX_DEPTH - 1) :]) if headings else (title,)


def _heading(text: str) -> str:
    return _plain(text).rstrip("# ")[:200]


def _plain(text: str) -> str:
    return normalise(_COMMENT_RE.sub(" ", text))


def render(chunks_: list[Chunk], front: dict[str, str]) -> str:
    """The topic file: front matter, then each chunk under its heading path."""
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---"]
    previous: tuple[str, ...] = ()
    for chunk in chunks_:
        same = _common(previous, chunk.path)
        start = min(same, len(chunk.path) - 1)
        out.append("")
        out += [f"{'#' * (n + 1)} {h}" for n, h in enumerate(chunk.path) if n >= start]
        if chunk.page is not None:
            out.append(f"page: {chunk.page}")
        out += ["", _body(chunk.text)]
        previous = chunk.path
    return "\n".join(out) + "\n"


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _body(text: str) -> str:
    """A leading space keeps text that starts like a heading from being read as one."""
    return f" {text}" if _HEADING_RE.match(text) else text
