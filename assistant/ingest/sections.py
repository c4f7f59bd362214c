"""Collects text under a stack of headings into blocks (DOCX, HTML, Markdown readers)."""

from __future__ import annotations

from assistant.evidence.text import normalise
from assistant.ingest.document import Block


class Sections:
    """Feed headings and paragraphs in reading order, then take :meth:`blocks`."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self._parts: list[str] = []
        self._blocks: list[Block] = []

    def heading(self, level: int, text: str) -> None:
        text = normalise(text)
        if not text:
            return
        self._flush()
        self._stack = [(lvl, t) for lvl, t in self._stack if lvl < level] + [(level, text)]

    def add(self, text: str) -> None:
        text = normalise(text)
        if text and text != ".":
            self._parts.append(text)

    def blocks(self) -> tuple[Block, ...]:
        self._flush()
        return tuple(self._blocks)

    def _flush(self) -> None:
        text = normalise(" ".join(self._parts))
        if text:
            self._blocks.append(Block(text, tuple(t for _, t in self._stack)))
        self._parts = []
