"""Markdown reader: headings kept, inline markup reduced to its text."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.ingest.document import DocMeta, Document, IngestError
from assistant.ingest.sections import Sections

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: link text
    (re.compile(r"<[^>]+>"), " "),  # inline HTML tags
    (re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # emphasis, code
    (re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)]|>)\s+"), ""),  # list markers, quotes
)
_RULE_RE = re.compile(r"^\s*([-*_=])\1{2,}\s*$|^\s*\|?\s*:?-{3,}")


def read_markdown(path: Path, raw: bytes) -> Document:
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise IngestError(f"{path.name}: Markdown must be UTF-8 text") from None
    front, start = _front_matter(lines)
    sections = Sections()
    fenced = False
    for line in lines[start:]:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING_RE.match(line)
        if heading:
            sections.heading(len(heading.group(1)) + 1, _inline(heading.group(2)))
        elif line.strip() and not _RULE_RE.match(line):
            sections.add(_inline(line).replace("|", " "))
    title = front.get("title") or _first_heading(lines[start:])
    return Document("markdown", sections.blocks(), DocMeta(title=str(title) if title else None))


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _front_matter(lines: list[str]) -> tuple[dict[str, object], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            try:
                data = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                return {}, end + 1
            return (data if isinstance(data, dict) else {}), end + 1
    return {}, 0


def _first_heading(lines: list[str]) -> str | None:
    for line in lines:
        match = _HEADING_RE.match(line)
        if match and len(match.group(1)) == 1:
            return _inline(match.group(2))
    return None
