"""Read the evidence corpus (Markdown + ``sources.yaml``) into cited passages.

The format is documented in ``corpus/README.md``. Parsing collects every problem it finds
(with file and line) instead of stopping at the first, so ``pair-assistant check`` can
report them all; :func:`load_corpus` raises if there are any.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CorpusError
from assistant.evidence.cards import Card, card_files, read_cards, resolve
from assistant.evidence.review import Lock, flag, lock_files, read_lock
from assistant.evidence.text import normalise, pack_sentences, sentences
from assistant.evidence.yamlsrc import Problem, listed, read_text
from assistant.origins import has_web_scheme

MAX_PASSAGE_WORDS = 180
EVIDENCE_GRADES = (
    "systematic review",
    "trial",
    "cohort or survey",
    "qualitative",
    "official statistics",
    "guidance or policy",
    "expert opinion",
    "local example",
)
SOURCE_TYPES = (
    "peer-reviewed study",
    "systematic review",
    "official statistics",
    "statutory guidance",
    "policy",
    "charity or expert report",
    "local case study",
    "news",
)
META_KEYS = ("source", "evidence", "page", "reviewed", "grade_note")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_META_RE = re.compile(r"^(source|evidence|page|reviewed|grade_note):\s*(.+?)\s*$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)


# The folder under the corpus where `pair-assistant ingest` writes documents it converted.
COLLECTION = "ingested"
SYNONYMS_FILE = "synonyms.yaml"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None = None
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    year: int | None = None
    copy_url: str | None = None
    type: str | None = None
    licence: str | None = None
    superseded_by: str | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    heading: str
    section: str
    topic: str
    source_ids: tuple[str, ...]
    evidence: str | None = None
    page: str | None = None
    file: str = ""
    line: int = 0
    order: int = 0
    reviewed: str | None = None
    # Why this passage's grade differs from other passages of its main source.
    grade_note: str | None = None

    @property
    def source_id(self) -> str:
        return self.source_ids[0]

    def embedding_text(self) -> str:
        """What the model sees: the heading carries the passage's topic words."""
        return f"{self.heading}. {self.text}"


@dataclass(frozen=True)
class ParsedFile:
    """What one Markdown file of the corpus parsed into, with no problems: its content's
    SHA-256, topic and title, and its passages numbered (``order``) from ``first`` on.
    Builds keep these so a rebuild does not parse unchanged files again."""

    sha256: str
    topic: str
    title: str
    passages: tuple[Passage, ...] = ()
    first: int = 0


def renumbered(passages: Iterable[Passage], shift: int) -> list[Passage]:
    """``passages`` with their ``order`` moved by ``shift`` (the same objects for 0).

    Each copy is made by copying the fields, which ``dataclasses.replace`` does through
    ``__init__`` at ten times the cost (a rebuild renumbers hundreds of thousands)."""
    if not shift:
        return list(passages)
    moved = []
    for p in passages:
        copy = object.__new__(Passage)
        copy.__dict__.update(p.__dict__)
        copy.__dict__["order"] = p.order + shift
        moved.append(copy)
    return moved


@dataclass
class Corpus:
    sources: dict[str, Source]
    passages: list[Passage]
    topics: dict[str, str]
    fingerprint: str
    problems: list[Problem] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    synonyms: list[list[str]] = field(default_factory=list)
    # Markdown file (relative path) -> its SHA-256, topic, title and passage count
    files: dict[str, tuple[str, str, str, int]] = field(default_factory=dict)
    # what each card was last checked against (answers/checked.lock.yaml), and the line
    # of each card id there
    lock: Lock = field(default_factory=dict)
    lock_lines: dict[str, int] = field(default_factory=dict)


def chunk_text(text: str) -> list[str]:
    """A section's text as passages of at most ``MAX_PASSAGE_WORDS``, split between
    sentences. Written and ingested evidence both go through here, so ids agree."""
    return pack_sentences(sentences(normalise(text)), MAX_PASSAGE_WORDS)


def source_of(passage: Passage, sources: dict[str, Source]) -> Source:
    """The passage's main source; a bare stand-in named by its id if it is not listed."""
    return sources.get(passage.source_id) or Source(passage.source_id, passage.source_id)


def passage_id(source_ids: Iterable[str], text: str) -> str:
    """Content hash: unchanged text from the same sources keeps its id across rebuilds."""
    digest = hashlib.sha256(f"{','.join(source_ids)}\n{normalise(text)}".encode())
    return digest.hexdigest()[:12]


def load_corpus(corpus_dir: Path, known: Mapping[str, ParsedFile] | None = None) -> Corpus:
    """Parse the corpus, raising :class:`CorpusError` listing every problem found."""
    corpus = parse_corpus(corpus_dir, known)
    if corpus.problems:
        shown = "\n".join(str(p) for p in corpus.problems[:20])
        raise CorpusError(f"the corpus has {len(corpus.problems)} problem(s):\n{shown}")
    return corpus


def parse_corpus(corpus_dir: Path, known: Mapping[str, ParsedFile] | None = None) -> Corpus:
    """The corpus with every problem found. ``known`` (relative path -> :class:`ParsedFile`)
    holds Markdown files parsed before: one whose content has the same SHA-256 is taken
    from there instead of being parsed again (a build's corpus runs to hundreds of
    megabytes, and an ingest adds one file)."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    problems: list[Problem] = []
    hasher = hashlib.sha256()
    sources: dict[str, Source] = {}
    for path in source_files(corpus_dir):
        _hash_file(hasher, corpus_dir, path)
        for source in _read_sources(path, corpus_dir, problems):
            if source.id in sources:
                problems.append(
                    Problem(source.file, source.line, f"duplicate source id {source.id!r}")
                )
            sources[source.id] = source
    passages: list[Passage] = []
    topics: dict[str, str] = {}
    files: dict[str, tuple[str, str, str, int]] = {}
    for path in sorted(corpus_dir.rglob("*.md")):
        if path.name == "README.md":
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        digest = hashlib.sha256(_hash_file(hasher, corpus_dir, path)).hexdigest()
        before = (known or {}).get(rel)
        if before is not None and before.sha256 == digest:
            topic, title = before.topic, before.title
            found = renumbered(before.passages, len(passages) - before.first)
        else:
            topic, title, found = _read_markdown(path, corpus_dir, len(passages), problems)
        topics[topic] = title
        files[rel] = (digest, topic, title, len(found))
        passages.extend(found)
    for p in passages:
        for sid in p.source_ids:
            if sid not in sources:
                problems.append(Problem(p.file, p.line, f"unknown source id {sid!r}"))
    for path in [*card_files(corpus_dir), *lock_files(corpus_dir)]:
        _hash_file(hasher, corpus_dir, path)
    cards = read_cards(corpus_dir, problems)
    problems.extend(resolve(cards, headings(passages)))
    reviewed = {p.id: p.reviewed for p in passages}
    lock, lock_lines = read_lock(corpus_dir, problems)
    cards = flag(cards, reviewed, lock)
    synonyms: list[list[str]] = []
    if (corpus_dir / SYNONYMS_FILE).is_file():
        _hash_file(hasher, corpus_dir, corpus_dir / SYNONYMS_FILE)
        synonyms = _read_synonyms(corpus_dir / SYNONYMS_FILE, problems)
    return Corpus(
        sources,
        passages,
        topics,
        hasher.hexdigest(),
        problems,
        cards,
        synonyms,
        files,
        lock,
        lock_lines,
    )


def _read_synonyms(path: Path, problems: list[Problem]) -> list[list[str]]:
    """Groups of words that mean the same to a commissioner (``corpus/synonyms.yaml``)."""
    text = read_text(path, SYNONYMS_FILE, problems)
    if text is None:
        return []
    try:
        groups, lines = listed(text, "synonyms")
    except yaml.YAMLError as exc:
        problems.append(Problem(SYNONYMS_FILE, 1, f"not valid YAML: {exc}"))
        return []
    found = []
    for group, line in zip(groups or [], lines, strict=False):
        if (
            not isinstance(group, list)
            or len(group) < 2
            or not all(isinstance(w, str) for w in group)
        ):
            problems.append(
                Problem(SYNONYMS_FILE, line, "each entry is a list of 2+ words or phrases")
            )
            continue
        found.append([w.strip() for w in group if w.strip()])
    return found


def headings(passages: list[Passage]) -> dict[tuple[str, str], list[str]]:
    """``(topic, heading) -> passage ids``: what a card's ``topic > heading`` names."""
    found: dict[tuple[str, str], list[str]] = {}
    for p in passages:
        found.setdefault((p.topic, p.heading), []).append(p.id)
    return found


def source_files(corpus_dir: Path) -> list[Path]:
    """``sources.yaml`` anywhere in the corpus, plus every ``sources/*.yaml`` beside it."""
    found = set(corpus_dir.rglob("sources.yaml")) | set(corpus_dir.glob("sources/*.yaml"))
    return sorted(found)


def fingerprint_files(corpus_dir: Path) -> list[Path]:
    """The files the corpus fingerprint covers, in the order they are hashed."""
    markdown = [p for p in sorted(corpus_dir.rglob("*.md")) if p.name != "README.md"]
    synonyms = [corpus_dir / SYNONYMS_FILE] if (corpus_dir / SYNONYMS_FILE).is_file() else []
    cards = [*card_files(corpus_dir), *lock_files(corpus_dir)]
    return [*source_files(corpus_dir), *markdown, *cards, *synonyms]


def content_fingerprint(corpus_dir: Path) -> str:
    """``parse_corpus(corpus_dir).fingerprint``, from the file contents alone (no parsing)."""
    hasher = hashlib.sha256()
    for path in fingerprint_files(corpus_dir):
        _hash_file(hasher, corpus_dir, path)
    return hasher.hexdigest()


def file_stats(corpus_dir: Path) -> dict[str, list[int]]:
    """Size and modification time of each fingerprinted file: a change check that reads
    no file, for start-up (the content hash is the judge when these differ)."""
    stats = {}
    for path in fingerprint_files(corpus_dir):
        found = path.stat()
        stats[path.relative_to(corpus_dir).as_posix()] = [found.st_size, found.st_mtime_ns]
    return stats


def _hash_file(hasher: Any, root: Path, path: Path) -> bytes:
    """Feed the file's name and content to ``hasher``; returns the content."""
    content = path.read_bytes()
    hasher.update(path.relative_to(root).as_posix().encode() + b"\0")
    hasher.update(content + b"\0")
    return content


def _read_sources(path: Path, root: Path, problems: list[Problem]) -> list[Source]:
    rel = path.relative_to(root).as_posix()
    text = read_text(path, rel, problems)
    if text is None:
        return []
    try:
        entries, lines = listed(text, "sources")
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        problems.append(Problem(rel, line, f"not valid YAML: {exc}"))
        return []
    if not isinstance(entries, list):
        problems.append(Problem(rel, 1, "expected a top-level 'sources:' list"))
        return []
    return [
        s
        for s in (_source(e, rel, ln, problems) for e, ln in zip(entries, lines, strict=True))
        if s
    ]


def _source(entry: Any, rel: str, line: int, problems: list[Problem]) -> Source | None:
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
        problems.append(Problem(rel, line, "a source needs at least 'id' and 'title'"))
        return None
    authors = entry.get("authors") or ()
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list | tuple) or not all(isinstance(a, str | int) for a in authors):
        problems.append(Problem(rel, line, "authors must be a name or a list of names"))
        authors = ()
    year = entry.get("year")
    for key in ("url", "copy_url"):
        value = entry.get(key)
        if value not in (None, "") and not has_web_scheme(str(value)):
            problems.append(Problem(rel, line, f"{key} must be an https:// (or http://) address"))
            entry = {**entry, key: None}
    return Source(
        id=str(entry["id"]),
        title=str(entry["title"]),
        url=_opt_str(entry.get("url")),
        authors=tuple(str(a) for a in authors),
        publisher=_opt_str(entry.get("publisher")),
        year=year if isinstance(year, int) else None,
        copy_url=_opt_str(entry.get("copy_url")),
        type=_opt_str(entry.get("type")),
        licence=_opt_str(entry.get("licence")),
        superseded_by=_opt_str(entry.get("superseded_by")),
        file=rel,
        line=line,
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _read_markdown(
    path: Path, root: Path, order: int, problems: list[Problem]
) -> tuple[str, str, list[Passage]]:
    rel = path.relative_to(root).as_posix()
    lines = (read_text(path, rel, problems) or "").splitlines()
    front, body_start = _front_matter(lines, rel, problems)
    topic = str(front.get("topic") or path.stem)
    title = str(front.get("title") or topic)
    defaults = {k: str(front[k]) for k in META_KEYS if front.get(k) is not None}
    passages: list[Passage] = []
    for section in _sections(lines, body_start):
        passages.extend(_passages(section, topic, defaults, rel, order + len(passages), problems))
    return topic, title, passages


def _front_matter(
    lines: list[str], rel: str, problems: list[Problem]
) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            try:
                data = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as exc:
                problems.append(Problem(rel, 1, f"front matter is not valid YAML: {exc}"))
                return {}, end + 1
            if not isinstance(data, dict):
                problems.append(Problem(rel, 1, "front matter must be a mapping"))
                return {}, end + 1
            return data, end + 1
    problems.append(Problem(rel, 1, "front matter opened with '---' is never closed"))
    return {}, len(lines)


@dataclass
class _Section:
    path: tuple[str, ...]
    line: int
    meta: dict[str, str] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)


def _sections(lines: list[str], start: int) -> list[_Section]:
    sections: list[_Section] = []
    stack: list[tuple[int, str]] = []
    current: _Section | None = None
    in_meta = False
    text = _COMMENT_RE.sub("", "\n".join(lines[start:])).split("\n")
    for offset, line in enumerate(text):
        heading = _HEADING_RE.match(line)
        if heading:
            level = len(heading.group(1))
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, heading.group(2))]
            current = _Section(tuple(t for _, t in stack), start + offset + 1)
            sections.append(current)
            in_meta = True
            continue
        if current is None:
            continue
        meta = _META_RE.match(line) if in_meta else None
        if meta:
            current.meta[meta.group(1)] = meta.group(2)
            current.meta_lines[meta.group(1)] = start + offset + 1
            continue
        in_meta = False
        current.body.append(line)
    return sections


def _passages(
    section: _Section,
    topic: str,
    defaults: dict[str, str],
    rel: str,
    order: int,
    problems: list[Problem],
) -> list[Passage]:
    text = normalise(" ".join(section.body))
    if not text:
        return []
    meta = {**defaults, **section.meta}
    source_ids = tuple(s.strip() for s in meta.get("source", "").split(",") if s.strip())
    if not source_ids:
        problems.append(Problem(rel, section.line, "passage has no 'source:'"))
        return []
    chunks = chunk_text(text)
    return [
        Passage(
            id=passage_id(source_ids, chunk),
            text=chunk,
            heading=section.path[-1],
            section=" > ".join(section.path),
            topic=topic,
            source_ids=source_ids,
            evidence=meta.get("evidence"),
            page=meta.get("page"),
            reviewed=meta.get("reviewed"),
            grade_note=meta.get("grade_note"),
            file=rel,
            line=section.line,
            order=order + i,
        )
        for i, chunk in enumerate(chunks)
    ]
